import * as tf from '@tensorflow/tfjs-core';

type GradSave = (tensors: tf.Tensor[]) => void;

/** Gradient of each input by name, computed only when the engine asks for it. */
export type LazyGradients = Record<string, () => tf.Tensor>;

/**
 * The engine's custom-gradient entry point (what tf.customGrad uses underneath). tf.customGrad
 * computes every input's gradient eagerly; this one takes lazy gradients, so an input that
 * needs none (the images into the stem, a frozen gamma) costs nothing, as with built-in ops.
 */
interface CustomGradEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: GradSave) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => LazyGradients;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

/**
 * A single-output op with a hand-written, lazy gradient. `forward` runs untaped and may
 * `save` tensors for `backward`, which returns a gradient thunk per input name. Falls back to
 * tf.customGrad (eager gradients) if the engine lacks the entry point.
 */
export function customOp<T extends tf.Tensor>(
  inputs: Record<string, tf.Tensor>,
  forward: (save: GradSave) => T,
  backward: (dy: tf.Tensor, saved: tf.Tensor[]) => LazyGradients,
): T {
  const engine = tf.engine() as unknown as Partial<CustomGradEngine>;
  if (typeof engine.runKernelFunc === 'function') {
    return engine.runKernelFunc({ inputs, forwardFunc: (_backend, save) => forward(save), backwardsFunc: backward }) as T;
  }
  const names = Object.keys(inputs);
  const op = tf.customGrad((...args: (tf.Tensor | GradSave)[]) => {
    const save = args[names.length] as GradSave;
    return {
      value: forward(save),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const grads = backward(dy as tf.Tensor, saved);
        return names.map((name) => grads[name]!());
      },
    };
  });
  return op(...names.map((name) => inputs[name]!)) as T;
}
