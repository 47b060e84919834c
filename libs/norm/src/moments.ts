import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-op';

/** Axes a per-channel statistic reduces over: all but the last (channel) axis. */
export function batchAxes(y: tf.Tensor): number[] {
  return Array.from({ length: y.rank - 1 }, (_, i) => i);
}

/**
 * Per-channel mean and biased variance of NHWC or [N, C] activations. Two passes (the variance
 * of y − mean, as PyTorch: no cancellation when |mean| ≫ std), with the gradient written out:
 * dy = (dmean + 2·dvar·(y − mean)) / M, where autodiff of tf.moments takes about 3× the passes
 * (and wasm's Mean transposes the whole activation first).
 */
export function channelMoments(y: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number } {
  const axes = batchAxes(y);
  const count = y.size / y.shape[y.rank - 1]!;
  const moments = customOp(
    { y },
    (save) => {
      // Sum, not mean: the wasm Mean transposes first; Sum over leading axes does not.
      const mean = tf.mul(tf.sum(y, axes), 1 / count);
      save([y, mean]);
      return tf.stack([mean, tf.mul(tf.sum(tf.squaredDifference(y, mean), axes), 1 / count)]) as tf.Tensor2D;
    },
    (d, [ys, mean]) => ({
      y: () => {
        const [dMean, dVariance] = tf.unstack(d);
        return tf.add(tf.mul(tf.sub(ys!, mean!), tf.mul(dVariance!, 2 / count)), tf.mul(dMean!, 1 / count));
      },
    }),
  );
  const [mean, variance] = tf.unstack(moments) as [tf.Tensor1D, tf.Tensor1D];
  return { mean, variance, count };
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
    let shift: tf.Tensor = tf.neg(tf.mul(mean, scale));
    if (beta) shift = tf.add(shift, beta);
    return scaleShift(y, scale, shift);
  });
}

/**
 * y·scale + shift over the last (channel) axis, scale and shift [C], with the gradient written
 * out — dy = g·scale, dscale = Σ g·y, dshift = Σ g — in 4 full-size passes where autodiff of
 * the broadcasts takes about twice as many.
 */
export function scaleShift(y: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor): tf.Tensor {
  return customOp(
    { y, scale, shift },
    (save) => {
      save([y, scale]);
      return tf.add(tf.mul(y, scale), shift);
    },
    (g, [ys, s]) => ({
      y: () => tf.mul(g, s!),
      scale: () => tf.sum(tf.mul(g, ys!), batchAxes(g)),
      shift: () => tf.sum(g, batchAxes(g)),
    }),
  );
}

/**
 * Per-channel [mean(y), mean(y²)] as a [2, C] tensor, with the gradient written out:
 * dy = dmean/M + y·2·dmeansq/M (2 passes; autodiff of mean and square takes about 8).
 */
export function meanAndMeanSquare(y: tf.Tensor): tf.Tensor2D {
  const axes = batchAxes(y);
  const positions = y.size / y.shape[y.rank - 1]!;
  return customOp(
    { y },
    (save) => {
      save([y]);
      // Sum, not mean: the wasm Mean transposes first; Sum over leading axes does not.
      return tf.mul(tf.stack([tf.sum(y, axes), tf.sum(tf.square(y), axes)]), 1 / positions) as tf.Tensor2D;
    },
    (d, [ys]) => ({
      y: () => {
        const [dMean, dMeanSquare] = tf.unstack(d);
        return tf.add(tf.mul(ys!, tf.mul(dMeanSquare!, 2 / positions)), tf.mul(dMean!, 1 / positions));
      },
    }),
  );
}

/** running ← (1 − momentum)·running + momentum·value (PyTorch's convention). */
export function ema(running: tf.Tensor, value: tf.Tensor, momentum: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(running, 1 - momentum), tf.mul(value, momentum)));
}
