import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { allocate, elementOffset, heapF32, pair, wholeHeapF32, type KernelArgs, type TensorInfo } from './wasm-backend';

interface PoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function poolInfo(xShape: number[], attrs: PoolGradAttrs): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    pair(attrs.filterSize),
    pair(attrs.strides),
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/**
 * MaxPoolGrad (the wasm one runs ~12 M elements/s). Each window's gradient goes to the first
 * pixel, in row-major window order, that equals the window's output — the forward max, so this
 * is the first maximum, as on TF.js's other backends. Testing equality with the known max keeps
 * the inner loop's branch predictable (a running-max compare mispredicts on every new maximum).
 */
export function maxPoolGrad(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { dy, input, output } = args.inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  const info = poolInfo(input.shape, args.attrs as unknown as PoolGradAttrs);
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const dx = allocate(backend, input.shape);
  const heap = wholeHeapF32(backend);
  const xs = elementOffset(backend, input);
  const dxs = elementOffset(backend, dx);
  const ys = elementOffset(backend, output);
  const dys = elementOffset(backend, dy);
  heap.fill(0, dxs, dxs + tf.util.sizeFromShape(input.shape));
  const where = new Int32Array(c); // offset of the max within x, −1 until found
  for (let n = 0; n < batchSize; n++) {
    for (let y = 0; y < oh; y++) {
      const y0 = y * info.strideHeight - info.padInfo.top;
      const yLo = Math.max(0, y0);
      const yHi = Math.min(h, y0 + info.effectiveFilterHeight);
      for (let x = 0; x < ow; x++) {
        const out = ((n * oh + y) * ow + x) * c;
        const x0 = x * info.strideWidth - info.padInfo.left;
        const xLo = Math.max(0, x0);
        const xHi = Math.min(w, x0 + info.effectiveFilterWidth);
        where.fill(-1);
        for (let iy = yLo; iy < yHi; iy++) {
          for (let ix = xLo; ix < xHi; ix++) {
            const base = ((n * h + iy) * w + ix) * c;
            for (let k = 0; k < c; k++) {
              if (heap[xs + base + k] === heap[ys + out + k] && where[k] < 0) where[k] = base + k;
            }
          }
        }
        for (let k = 0; k < c; k++) {
          // A window of only −∞ (or NaN) has no maximum to credit, as on the other backends.
          if (where[k] >= 0 && heap[ys + out + k] !== -Infinity) heap[dxs + where[k]] += heap[dys + out + k];
        }
      }
    }
  }
  return dx;
}

/**
 * AvgPoolGrad (the wasm one runs ~39 M elements/s). Spreads dy / (filterHeight·filterWidth) over
 * each window's in-image pixels — TF.js's definition of this kernel on every backend.
 */
export function avgPoolGrad(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const info = poolInfo(input.shape, args.attrs as unknown as PoolGradAttrs);
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const scale = 1 / (info.filterHeight * info.filterWidth);
  const dx = allocate(backend, input.shape);
  const dys = heapF32(backend, dy);
  const dxs = heapF32(backend, dx);
  dxs.fill(0);
  const share = new Float32Array(c);
  for (let n = 0; n < batchSize; n++) {
    for (let y = 0; y < oh; y++) {
      const y0 = y * info.strideHeight - info.padInfo.top;
      const yLo = Math.max(0, y0);
      const yHi = Math.min(h, y0 + info.effectiveFilterHeight);
      for (let x = 0; x < ow; x++) {
        const x0 = x * info.strideWidth - info.padInfo.left;
        const xLo = Math.max(0, x0);
        const xHi = Math.min(w, x0 + info.effectiveFilterWidth);
        const g = ((n * oh + y) * ow + x) * c;
        for (let k = 0; k < c; k++) share[k] = dys[g + k] * scale;
        for (let iy = yLo; iy < yHi; iy++) {
          for (let ix = xLo; ix < xHi; ix++) {
            const base = ((n * h + iy) * w + ix) * c;
            for (let k = 0; k < c; k++) dxs[base + k] += share[k];
          }
        }
      }
    }
  }
  return dx;
}
