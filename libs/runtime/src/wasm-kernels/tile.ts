import * as tf from '@tensorflow/tfjs-core';
import { pickStrings } from './string-tensors';
import { allocate, elementOffset, wholeHeapFor, type KernelArgs, type TensorInfo } from './wasm-backend';

/**
 * Tile (the wasm kernel runs ~10 M elements/s). x is placed once, then each axis — innermost
 * first — is replicated by copying whole contiguous blocks within the output. Strings (which
 * the wasm kernel aborts on) are picked element by element.
 */
export function tile(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { x } = args.inputs as { x: TensorInfo };
  const { reps } = args.attrs as unknown as { reps: number[] };
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  if (x.dtype === 'string') {
    const inStrides = tf.util.computeStrides(x.shape);
    const outStrides = tf.util.computeStrides(outShape);
    return pickStrings(backend, x, outShape, (i) => {
      let source = 0;
      let rest = i;
      for (let a = 0; a < rank; a++) {
        const coord = Math.floor(rest / (outStrides[a] ?? 1));
        rest -= coord * (outStrides[a] ?? 1);
        source += (coord % x.shape[a]!) * (inStrides[a] ?? 1);
      }
      return source;
    });
  }
  const out = allocate(backend, outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  const heap = wholeHeapFor(backend, x.dtype);
  const src = elementOffset(backend, x);
  const dst = elementOffset(backend, out);
  if (rank === 0) {
    heap[dst] = heap[src];
    return out;
  }
  const outStrides = [...tf.util.computeStrides(outShape), 1];
  const inner = x.shape[rank - 1];
  // Place x at rep index 0 along every axis, one innermost row at a time.
  const rows = tf.util.sizeFromShape(x.shape) / inner;
  for (let r = 0; r < rows; r++) {
    heap.copyWithin(dst + rowOffset(r, x.shape, outStrides), src + r * inner, src + (r + 1) * inner);
  }
  // Replicate along each axis: the block for rep 0 is x.shape[a] · outStrides[a] long.
  for (let a = rank - 1; a >= 0; a--) {
    if (reps[a] === 1) continue;
    const block = x.shape[a] * outStrides[a];
    const prefixes = tf.util.sizeFromShape(x.shape.slice(0, a));
    for (let p = 0; p < prefixes; p++) {
      const start = dst + prefixOffset(p, x.shape.slice(0, a), outStrides);
      for (let k = 1; k < reps[a]; k++) heap.copyWithin(start + k * block, start, start + block);
    }
  }
  return out;
}

/** Output offset of input row `r` (all indices but the last) at rep 0. */
function rowOffset(r: number, shape: number[], outStrides: number[]): number {
  let offset = 0;
  for (let a = shape.length - 2; a >= 0; a--) {
    offset += (r % shape[a]) * outStrides[a];
    r = Math.floor(r / shape[a]);
  }
  return offset;
}

/** Output offset of the multi-index `p` over the leading axes `prefixShape` (each within x). */
function prefixOffset(p: number, prefixShape: number[], outStrides: number[]): number {
  let offset = 0;
  for (let a = prefixShape.length - 1; a >= 0; a--) {
    offset += (p % prefixShape[a]) * outStrides[a];
    p = Math.floor(p / prefixShape[a]);
  }
  return offset;
}
