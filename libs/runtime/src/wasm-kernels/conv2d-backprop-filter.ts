import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, planeLayout, type ConvAttrs, type ConvGeometry, type PlaneLayout } from './conv-geometry';
import {
  aliasView,
  allocate,
  assertChannelsLast,
  elementOffset,
  heapF32,
  release,
  releaseAlias,
  reshapedView,
  runWasmKernel,
  wholeHeapF32,
  withTemporaries,
  type KernelArgs,
  type TensorInfo,
  type WasmBackend,
} from './wasm-backend';

/** Tunables (exported so tests can force each path). */
export const filterGradientConfig = {
  /**
   * The phase-plane method multiplies over padded planes; above this ratio of padded to real
   * output positions (small feature maps) the im2col method wastes less.
   */
  maxPlaneOverhead: 1.5,
  /** Fewer input channels than this: im2col (see `conv2DBackpropFilter`). */
  minPlaneChannels: 16,
  /** Plane positions (GEMM depth) per chunk of the phase-plane method. */
  chunkPositions: 4096,
  /** Largest transposed-im2col block (floats) built at once: bounds the temporary heap use. */
  blockFloats: 1 << 24,
};

interface BackpropFilterAttrs extends ConvAttrs {
  dataFormat?: 'NHWC' | 'NCHW';
  filterShape: [number, number, number, number];
}

/**
 * Conv2DBackpropFilter (missing on wasm) as GEMMs on XNNPACK's fully-connected operator:
 *   dW[tap, ci, co] = Σ_p X_tap[ci, p] · dy[p, co],   p = (n, oh, ow)
 * with dy in the weights slot, so XNNPACK packs it once and reuses it for every tap.
 */
export function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  assertChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  const geo = convGeometry(x.shape, attrs.filterShape, attrs, false);
  const plan = planeLayout(geo);
  // The phase-plane GEMMs have only inC rows: with few input channels (an RGB stem) the
  // im2col GEMM, with taps·inC rows, runs far better.
  const usePlanes = geo.inChannels >= filterGradientConfig.minPlaneChannels && plan.overhead <= filterGradientConfig.maxPlaneOverhead;
  return usePlanes ? planeFilterGradient(backend, x, dy, geo, plan) : im2colFilterGradient(backend, x, dy, geo);
}

/**
 * The phase-plane method: no im2col at all. x is rearranged into zero-padded phase planes
 * [phase][ci][n][row][col]; then X_tap for every tap is that buffer seen from an offset (row
 * shift · plane width + column shift) as a [ci, n·rows·cols] matrix. Columns past a row's end
 * read the next row (or plane), which is harmless because dy is zero-padded to the same plane
 * size: each tap is one GEMM over an aliased view, with no copying per tap.
 *
 * Large maps are processed in chunks of about `chunkPositions` plane positions (a band of rows
 * of one image, plus the taps' halo rows), each chunk's taps accumulated into dW: GEMMs whose
 * operands stay in cache ran ~1.3× faster here than ones streaming 30+ MB per tap.
 */
function planeFilterGradient(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, geo: ConvGeometry, plan: PlaneLayout): TensorInfo {
  const chunks = chunking(geo, plan);
  const { inChannels: inC, outChannels: outC } = geo;
  const taps = geo.filterHeight * geo.filterWidth;
  const phaseCount = plan.rows.phases.length * plan.cols.phases.length;
  const positions = chunks.images * chunks.rows * plan.cols.size; // K of every GEMM
  const blockSize = inC * positions;

  return withTemporaries(backend, (keep) => {
    const xT = keep(runWasmKernel('Transpose', { x }, { perm: [3, 0, 1, 2] }, backend));
    // One extra chunk of zeros at the end: the largest tap offset reads that far past the last block.
    const planes = keep(allocate(backend, [phaseCount * blockSize + positions]));
    const dyChunk = keep(allocate(backend, [positions * outC]));
    const dw = allocate(backend, [geo.filterHeight, geo.filterWidth, inC, outC]);
    try {
      if (chunks.count > 1) heapF32(backend, dw).fill(0);
      for (let n0 = 0; n0 < geo.batch; n0 += chunks.images) {
        for (let r0 = 0; r0 < geo.outHeight; r0 += chunks.bandRows) {
          const images = Math.min(chunks.images, geo.batch - n0);
          const heap = wholeHeapF32(backend);
          fillPhasePlanes(heap, elementOffset(backend, xT), elementOffset(backend, planes), geo, plan, n0, images, r0, chunks);
          fillDyChunk(heap, elementOffset(backend, dy), elementOffset(backend, dyChunk), geo, plan, n0, images, r0, chunks);
          // A fresh alias per chunk: XNNPACK caches the packed weights by tensor id.
          const dyMatrix = aliasView(backend, dyChunk, 0, [1, positions, outC]);
          try {
            for (let t = 0; t < taps; t++) {
              const kh = Math.floor(t / geo.filterWidth);
              const kw = t % geo.filterWidth;
              const block = plan.rows.phases.indexOf(plan.rows.phase[kh]) * plan.cols.phases.length +
                plan.cols.phases.indexOf(plan.cols.phase[kw]);
              const offset = block * blockSize + plan.rows.shift[kh] * plan.cols.size + plan.cols.shift[kw];
              const xTap = aliasView(backend, planes, offset, [1, inC, positions]);
              try {
                withTemporaries(backend, (keepPart) => {
                  const part = keepPart(matMul(backend, xTap, dyMatrix));
                  accumulate(backend, part, dw, t * inC * outC, chunks.count > 1);
                });
              } finally {
                releaseAlias(backend, xTap);
              }
            }
          } finally {
            releaseAlias(backend, dyMatrix);
          }
        }
      }
    } catch (err) {
      release(backend, dw);
      throw err;
    }
    return dw;
  });
}

interface Chunking {
  /** Images per chunk (> 1 only when a whole image is smaller than a chunk). */
  images: number;
  /** Output rows per chunk (a band of one image, or all of them). */
  bandRows: number;
  /** Plane rows per image in a chunk: the band plus the taps' largest row shift. */
  rows: number;
  count: number;
}

function chunking(geo: ConvGeometry, plan: PlaneLayout): Chunking {
  const halo = plan.rows.size - geo.outHeight;
  const imagePositions = plan.rows.size * plan.cols.size;
  const target = filterGradientConfig.chunkPositions;
  if (imagePositions >= target / 2) {
    // Bands of equal height (no sliver of a last band), each about `target` positions.
    const maxBandRows = Math.max(1, Math.round(target / plan.cols.size) - halo);
    const bands = Math.ceil(geo.outHeight / maxBandRows);
    const bandRows = Math.ceil(geo.outHeight / bands);
    return { images: 1, bandRows, rows: bandRows + halo, count: geo.batch * bands };
  }
  const images = Math.min(geo.batch, Math.max(1, Math.floor(target / imagePositions)));
  return { images, bandRows: geo.outHeight, rows: plan.rows.size, count: Math.ceil(geo.batch / images) };
}

/** dw[offset…] (+)= part: the first chunk may write, later ones add. */
function accumulate(backend: WasmBackend, part: TensorInfo, dw: TensorInfo, offset: number, add: boolean): void {
  const heap = wholeHeapF32(backend);
  const src = elementOffset(backend, part);
  const dst = elementOffset(backend, dw) + offset;
  const size = part.shape.reduce((a, b) => a * b, 1);
  if (!add) {
    heap.copyWithin(dst, src, src + size);
    return;
  }
  for (let i = 0; i < size; i++) heap[dst + i] += heap[src + i];
}

/**
 * planes[phase][ci][g][i][j] = x[n0 + g, (r0 + i)·sh + a − top, j·sw + b − left, ci] (0 outside
 * x) for the chunk's images g and plane rows i, from xT = [ci, n, h, w]; `heap` is the whole
 * heap, `src`/`dst` the tensors' element offsets in it. Ends with a zero block (the taps' overrun).
 */
function fillPhasePlanes(
  heap: Float32Array,
  src: number,
  dst: number,
  geo: ConvGeometry,
  plan: PlaneLayout,
  n0: number,
  images: number,
  r0: number,
  chunks: Chunking,
): void {
  const { batch, inHeight: h, inWidth: w, inChannels: inC, strideHeight: sh, strideWidth: sw } = geo;
  const colsOut = plan.cols.size;
  const chunkImage = chunks.rows * colsOut;
  let d = dst;
  for (const a of plan.rows.phases) {
    for (const b of plan.cols.phases) {
      const colShift = b - geo.padLeft;
      // Plane columns j whose input column j·sw + colShift lies inside x.
      const lo = Math.min(colsOut, Math.max(0, Math.ceil(-colShift / sw)));
      const hi = Math.max(lo, Math.min(colsOut, Math.floor((w - 1 - colShift) / sw) + 1));
      for (let c = 0; c < inC; c++) {
        for (let g = 0; g < chunks.images; g++) {
          if (g >= images) {
            heap.fill(0, d, d + chunkImage); // a last, partial group of images
            d += chunkImage;
            continue;
          }
          const planeStart = src + (c * batch + n0 + g) * h * w;
          for (let i = 0; i < chunks.rows; i++, d += colsOut) {
            const iy = (r0 + i) * sh + a - geo.padTop;
            if (iy < 0 || iy >= h) {
              heap.fill(0, d, d + colsOut);
              continue;
            }
            const row = planeStart + iy * w + colShift;
            if (lo > 0) heap.fill(0, d, d + lo);
            if (sw === 1) heap.copyWithin(d + lo, row + lo, row + hi);
            else for (let j = lo; j < hi; j++) heap[d + j] = heap[row + j * sw];
            if (hi < colsOut) heap.fill(0, d + hi, d + colsOut);
          }
        }
      }
    }
  }
  heap.fill(0, d, d + chunks.images * chunkImage); // the trailing zero block
}

/** dyChunk[g][i][j][co] = dy[n0 + g, r0 + i, j, co] inside the band and dy, else 0. */
function fillDyChunk(
  heap: Float32Array,
  src: number,
  dst: number,
  geo: ConvGeometry,
  plan: PlaneLayout,
  n0: number,
  images: number,
  r0: number,
  chunks: Chunking,
): void {
  const { outHeight: oh, outWidth: ow, outChannels: outC } = geo;
  const rowLength = plan.cols.size * outC;
  const bandRows = Math.min(chunks.bandRows, oh - r0);
  let d = dst;
  for (let g = 0; g < chunks.images; g++) {
    for (let i = 0; i < chunks.rows; i++, d += rowLength) {
      if (g >= images || i >= bandRows) {
        heap.fill(0, d, d + rowLength);
        continue;
      }
      const s = src + (((n0 + g) * oh + r0 + i) * ow) * outC;
      heap.copyWithin(d, s, s + ow * outC);
      if (ow * outC < rowLength) heap.fill(0, d + ow * outC, d + rowLength);
    }
  }
}

/**
 * The im2col method, for small feature maps: x is transposed once to [ci, n, h, w]; each tap's
 * shifted/strided window is copied into a block of rows of the transposed im2col matrix, and
 * each block is one GEMM with dy.
 */
function im2colFilterGradient(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, geo: ConvGeometry): TensorInfo {
  const { inChannels: inC, outChannels: outC, filterHeight: kh, filterWidth: kw } = geo;
  const positions = geo.batch * geo.outHeight * geo.outWidth;
  const taps = kh * kw;
  const dyMatrix = reshapedView(dy, [1, positions, outC]);
  const tapsPerBlock = Math.max(1, Math.min(taps, Math.floor(filterGradientConfig.blockFloats / (inC * positions))));

  return withTemporaries(backend, (keep) => {
    const xT = keep(runWasmKernel('Transpose', { x }, { perm: [3, 0, 1, 2] }, backend));
    const dw = allocate(backend, [kh, kw, inC, outC]);
    try {
      for (let t0 = 0; t0 < taps; t0 += tapsPerBlock) {
        const count = Math.min(tapsPerBlock, taps - t0);
        withTemporaries(backend, (keepBlock) => {
          const cols = keepBlock(allocate(backend, [1, count * inC, positions]));
          fillTransposedIm2col(wholeHeapF32(backend), elementOffset(backend, xT), elementOffset(backend, cols), geo, t0, count);
          const part = keepBlock(matMul(backend, cols, dyMatrix));
          heapF32(backend, dw).set(heapF32(backend, part), t0 * inC * outC);
        });
      }
    } catch (err) {
      release(backend, dw);
      throw err;
    }
    return dw;
  });
}

function matMul(backend: WasmBackend, a: TensorInfo, b: TensorInfo): TensorInfo {
  return runWasmKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false } as tf.NamedAttrMap, backend);
}

/**
 * Rows (tap, ci) of the transposed im2col matrix for taps [first, first + count):
 *   cols[(tap, ci), (n, oh, ow)] = xT[ci, n, oh·sh + kh·dh − top, ow·sw + kw·dw − left]  (0 outside),
 * written at element `dst` of the whole-heap view from xT at element `src`.
 */
function fillTransposedIm2col(heap: Float32Array, src: number, dst: number, geo: ConvGeometry, first: number, count: number): void {
  const { batch, inHeight: h, inWidth: w, inChannels: inC, outHeight: oh, outWidth: ow } = geo;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = geo;
  let d = dst;
  for (let tap = first; tap < first + count; tap++) {
    const rowShift = Math.floor(tap / geo.filterWidth) * dh - geo.padTop;
    const colShift = (tap % geo.filterWidth) * dw - geo.padLeft;
    // Output columns whose input column lies inside the image.
    const lo = Math.min(ow, Math.max(0, Math.ceil(-colShift / sw)));
    const hi = Math.max(lo, Math.min(ow, Math.floor((w - 1 - colShift) / sw) + 1));
    for (let plane = 0; plane < inC * batch; plane++) {
      const planeStart = src + plane * h * w;
      for (let y = 0; y < oh; y++, d += ow) {
        const iy = y * sh + rowShift;
        if (iy < 0 || iy >= h) {
          heap.fill(0, d, d + ow);
          continue;
        }
        const row = planeStart + iy * w + colShift;
        if (lo > 0) heap.fill(0, d, d + lo);
        if (sw === 1) heap.copyWithin(d + lo, row + lo, row + hi);
        else for (let x = lo; x < hi; x++) heap[d + x] = heap[row + x * sw];
        if (hi < ow) heap.fill(0, d + hi, d + ow);
      }
    }
  }
}
