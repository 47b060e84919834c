import type * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs, TensorInfo } from './wasm-backend';

/**
 * Identity without a copy: the output shares x's data (TF.js tensors are immutable, and the cpu
 * backend does the same). The wasm kernel copies, and the engine clones every tensor it saves
 * for backprop through Identity — one full copy of each saved activation per training step.
 */
export function identity(args: KernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Cast that shares the data when the dtype does not change (ReLU's gradient casts float32 to float32). */
export function makeCast(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as unknown as KernelArgs<{ dtype: tf.DataType }>;
    const x = inputs['x'] as TensorInfo;
    if (x.dtype === attrs.dtype && x.dtype !== 'complex64') return identity(args as unknown as KernelArgs);
    return builtIn(args);
  };
}
