import * as tf from '@tensorflow/tfjs-core';
import { allocate, heapI32, heapView, type KernelArgs, type TensorInfo } from './wasm-backend';

/**
 * UnsortedSegmentSum (missing on wasm; needed by the GatherV2 gradient): one pass over the rows
 * of x adding each into its segment. Ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
export function unsortedSegmentSum(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  const idsSize = tf.util.sizeFromShape(segmentIds.shape);
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = tf.util.sizeFromShape(innerShape);
  const out = allocate(backend, [numSegments, ...innerShape], x.dtype);
  const ids = heapI32(backend, segmentIds);
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  dst.fill(0);
  for (let i = 0; i < idsSize; i++) {
    const id = ids[i];
    if (id < 0 || id >= numSegments) continue;
    const s = i * inner;
    const d = id * inner;
    for (let k = 0; k < inner; k++) dst[d + k] += src[s + k];
  }
  return out;
}
