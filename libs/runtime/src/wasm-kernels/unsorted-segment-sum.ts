import * as tf from '@tensorflow/tfjs-core';
import { allocate, heapI32, heapView, reshapedView, runWasmKernel, type KernelArgs, type TensorInfo } from './wasm-backend';

/**
 * UnsortedSegmentSum (missing on wasm; the GatherV2 gradient). With every id in range it is the
 * wasm ScatterNd kernel (which adds duplicates, ~2× faster than a JS loop over rows); otherwise a
 * JS pass that drops ids outside [0, numSegments), as TensorFlow does.
 */
export function unsortedSegmentSum(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  const idsSize = tf.util.sizeFromShape(segmentIds.shape);
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = tf.util.sizeFromShape(innerShape);
  const ids = heapI32(backend, segmentIds);
  let inRange = true;
  for (let i = 0; i < idsSize && inRange; i++) inRange = ids[i]! >= 0 && ids[i]! < numSegments;
  if (inRange && idsSize > 0 && inner > 0 && (x.dtype === 'float32' || x.dtype === 'int32')) {
    const out = runWasmKernel(
      'ScatterNd',
      { indices: reshapedView(segmentIds, [idsSize, 1]), updates: reshapedView(x, [idsSize, inner]) },
      { shape: [numSegments, inner] },
      backend,
    );
    return { ...out, shape: [numSegments, ...innerShape] };
  }
  const out = allocate(backend, [numSegments, ...innerShape], x.dtype);
  const idsNow = heapI32(backend, segmentIds);
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  dst.fill(0);
  for (let i = 0; i < idsSize; i++) {
    const id = idsNow[i]!;
    if (id < 0 || id >= numSegments) continue;
    const s = i * inner;
    const d = id * inner;
    for (let k = 0; k < inner; k++) dst[d + k] += src[s + k]!;
  }
  return out;
}
