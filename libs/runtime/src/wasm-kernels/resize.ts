import type * as tf from '@tensorflow/tfjs-core';
import { allocate, elementOffset, heapF32, wholeHeapFor, type KernelArgs, type TensorInfo } from './wasm-backend';

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
  size?: [number, number];
}

/** Input/output size ratio along one axis, as TF.js's resize kernels define it. */
function ratio(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** Source index of each output row/column for nearest-neighbour resizing. */
function nearestSources(inSize: number, outSize: number, attrs: ResizeAttrs): Int32Array {
  const r = ratio(inSize, outSize, attrs.alignCorners);
  const sources = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = attrs.halfPixelCenters ? r * (o + 0.5) : r * o;
    let s = Math.min(inSize - 1, attrs.alignCorners ? Math.round(frac) : Math.floor(frac));
    if (attrs.halfPixelCenters) s = Math.max(0, s);
    sources[o] = s;
  }
  return sources;
}

/** The two source indices and the weight of the second for bilinear resizing. */
function bilinearSources(inSize: number, outSize: number, attrs: ResizeAttrs): { lo: Int32Array; hi: Int32Array; frac: Float32Array } {
  const r = ratio(inSize, outSize, attrs.alignCorners);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const f = attrs.halfPixelCenters ? r * (o + 0.5) - 0.5 : r * o;
    lo[o] = Math.max(0, Math.floor(f));
    hi[o] = Math.min(inSize - 1, Math.ceil(f));
    frac[o] = f - lo[o];
  }
  return { lo, hi, frac };
}

/**
 * ResizeNearestNeighbor: whole channel vectors copied per output pixel (the wasm kernel reaches
 * ~70 M elements/s single-threaded), with the same source-index rule as the gradient below.
 */
export function resizeNearestNeighbor(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { images } = args.inputs as { images: TensorInfo };
  const attrs = args.attrs as unknown as ResizeAttrs;
  const [batch, h, w, c] = images.shape as [number, number, number, number];
  const [oh, ow] = attrs.size!;
  const out = allocate(backend, [batch, oh, ow, c], images.dtype);
  const rows = nearestSources(h, oh, attrs);
  const cols = nearestSources(w, ow, attrs);
  const heap = wholeHeapFor(backend, images.dtype);
  const src = elementOffset(backend, images);
  const dst = elementOffset(backend, out);
  const rowLength = ow * c;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < oh; y++) {
      const d = dst + (n * oh + y) * rowLength;
      if (y > 0 && rows[y] === rows[y - 1]) {
        heap.copyWithin(d, d - rowLength, d); // same source row as the previous output row
        continue;
      }
      const s = src + (n * h + rows[y]) * w * c;
      for (let x = 0; x < ow; x++) {
        const from = s + cols[x] * c;
        heap.copyWithin(d + x * c, from, from + c);
      }
    }
  }
  return out;
}

/**
 * ResizeNearestNeighborGrad: each dy pixel added to the pixel the forward pass copied from.
 * (The wasm kernel runs ~65 M elements/s; the cpu one uses the wrong batch stride for dy.)
 */
export function resizeNearestNeighborGrad(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as ResizeAttrs;
  const [batch, h, w, c] = images.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const dx = allocate(backend, [batch, h, w, c]);
  const rows = nearestSources(h, oh, attrs);
  const cols = nearestSources(w, ow, attrs);
  const dys = heapF32(backend, dy);
  const dxs = heapF32(backend, dx);
  dxs.fill(0);
  let g = 0;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < oh; y++) {
      const rowBase = (n * h + rows[y]) * w;
      for (let x = 0; x < ow; x++) {
        const base = (rowBase + cols[x]) * c;
        for (let k = 0; k < c; k++) dxs[base + k] += dys[g++];
      }
    }
  }
  return dx;
}

/**
 * ResizeBilinearGrad with half-pixel centers: the wasm (and cpu) kernel ignores
 * `halfPixelCenters` and so returns the gradient of a different resize. Without them the
 * built-in C++ kernel is right, and faster than a JS loop, so it keeps those calls.
 */
export function makeResizeBilinearGrad(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = (args as unknown as KernelArgs).attrs as unknown as ResizeAttrs;
    return attrs.halfPixelCenters ? resizeBilinearGrad(args as unknown as KernelArgs) : builtIn(args);
  };
}

/** Each dy pixel spread over its four source pixels with the forward pass's weights. */
export function resizeBilinearGrad(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as ResizeAttrs;
  const [batch, h, w, c] = images.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const dx = allocate(backend, [batch, h, w, c]);
  const rows = bilinearSources(h, oh, attrs);
  const cols = bilinearSources(w, ow, attrs);
  const dys = heapF32(backend, dy);
  const dxs = heapF32(backend, dx);
  dxs.fill(0);
  let g = 0;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < oh; y++) {
      const top = (n * h + rows.lo[y]) * w;
      const bottom = (n * h + rows.hi[y]) * w;
      const fy = rows.frac[y];
      for (let x = 0; x < ow; x++) {
        const fx = cols.frac[x];
        const wTL = (1 - fy) * (1 - fx);
        const wTR = (1 - fy) * fx;
        const wBL = fy * (1 - fx);
        const wBR = fy * fx;
        const tl = (top + cols.lo[x]) * c;
        const tr = (top + cols.hi[x]) * c;
        const bl = (bottom + cols.lo[x]) * c;
        const br = (bottom + cols.hi[x]) * c;
        for (let k = 0; k < c; k++) {
          const v = dys[g++];
          dxs[tl + k] += v * wTL;
          dxs[tr + k] += v * wTR;
          dxs[bl + k] += v * wBL;
          dxs[br + k] += v * wBR;
        }
      }
    }
  }
  return dx;
}
