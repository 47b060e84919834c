import * as tf from '@tensorflow/tfjs-core';

/** Axes a per-channel statistic reduces over: all but the last (channel) axis. */
export function batchAxes(y: tf.Tensor): number[] {
  return Array.from({ length: y.rank - 1 }, (_, i) => i);
}

/** Per-channel mean and biased variance of NHWC or [N, C] activations. */
export function channelMoments(y: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number } {
  const { mean, variance } = tf.moments(y, batchAxes(y));
  return { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, count: y.size / y.shape[y.rank - 1]! };
}

/** gamma·(y − mean)/sqrt(var + eps) + beta, folded into one scale and shift per channel. */
export function affineNormalize(
  y: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  eps: number,
  gamma?: tf.Tensor,
  beta?: tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    let scale: tf.Tensor = tf.rsqrt(tf.add(variance, eps));
    if (gamma) scale = tf.mul(scale, gamma);
    const out = tf.mul(tf.sub(y, mean), scale);
    return beta ? tf.add(out, beta) : out;
  });
}

/** running ← (1 − momentum)·running + momentum·value (PyTorch's convention). */
export function ema(running: tf.Tensor, value: tf.Tensor, momentum: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(running, 1 - momentum), tf.mul(value, momentum)));
}
