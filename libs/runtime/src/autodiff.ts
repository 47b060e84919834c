import * as tf from '@tensorflow/tfjs-core';

/**
 * Computes `compute(...inputs)` as a constant for autodiff: nothing inside is recorded on the
 * gradient tape, and the inputs receive zero gradient through it. TF.js has no stopGradient;
 * a customGrad's forward function is not taped, so ops without gradients (comparisons, casts)
 * may be used inside. Use for quantities the math treats as constants (BRN's r and d, CBN's
 * history terms).
 */
export function untapedConstant<T extends tf.Tensor>(inputs: tf.Tensor[], compute: (...inputs: tf.Tensor[]) => T): T {
  if (inputs.length === 0) throw new Error('untapedConstant: needs at least one input tensor');
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    return { value: compute(...xs), gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
  });
  return op(...inputs) as T;
}
