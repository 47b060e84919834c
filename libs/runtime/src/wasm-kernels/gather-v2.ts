import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { allocate, elementOffset, heapI32, wholeHeapFor, type KernelArgs, type TensorInfo } from './wasm-backend';

/**
 * GatherV2 as slice copies over the heap (the wasm kernel is ~12× slower). Out-of-range indices
 * throw, as on the other backends. (The op accepts numeric tensors only.)
 */
export function gatherV2(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
  const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
  const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
  const info = backend_util.segment_util.collectGatherOpShapeInfo(
    x as tf.TensorInfo as tf.Tensor,
    indices as tf.TensorInfo as tf.Tensor,
    parsedAxis,
    batchDims,
  );
  const { batchSize, outerSize, dimSize, sliceSize } = info;
  const idxCount = tf.util.sizeFromShape(indices.shape) / batchSize;
  const idx = heapI32(backend, indices).slice(); // a copy: views of the heap go stale on growth
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= dimSize) {
      throw new Error(`GatherV2: the index value ${idx[i]} is not in [0, ${dimSize - 1}]`);
    }
  }
  const out = allocate(backend, info.outputShape, x.dtype);
  const heap = wholeHeapFor(backend, x.dtype);
  const src = elementOffset(backend, x);
  let d = elementOffset(backend, out);
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const base = src + (b * outerSize + o) * dimSize * sliceSize;
      for (let j = 0; j < idxCount; j++, d += sliceSize) {
        const s = base + idx[b * idxCount + j] * sliceSize;
        if (sliceSize === 1) heap[d] = heap[s];
        else heap.copyWithin(d, s, s + sliceSize);
      }
    }
  }
  return out;
}
