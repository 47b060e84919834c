import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo, WasmBackend } from './wasm-backend';

/**
 * A string tensor whose element i is element `source(i)` of x. String tensors live in JS (as
 * encoded bytes), not on the heap; the wasm backend's own Tile and GatherV2 abort on them.
 */
export function pickStrings(backend: WasmBackend, x: TensorInfo, outShape: number[], source: (i: number) => number): TensorInfo {
  const values = backend.readSync(x.dataId) as Uint8Array[];
  const out = backend.makeOutput(outShape, 'string');
  const picked: Uint8Array[] = [];
  const size = tf.util.sizeFromShape(outShape);
  for (let i = 0; i < size; i++) picked.push(values[source(i)]!);
  backend.dataIdMap.get(out.dataId)!.stringBytes = picked;
  return out;
}
