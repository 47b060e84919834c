import * as tf from '@tensorflow/tfjs-core';
import { Norm } from './norm';
import { affineNormalize, channelMoments, ema } from './moments';
import { checkCommonOptions, optionError } from './options';

export interface BatchNormOptions {
  /** Inside the sqrt. Default 1e-5 (PyTorch). */
  eps?: number;
  /** Running-statistics EMA weight of the new batch. Default 0.1 (PyTorch). */
  momentum?: number;
  /** Learnable gamma/beta. Default true. */
  affine?: boolean;
  /**
   * Normalize with the running statistics and never update them, even in training, while
   * gamma/beta still train (mmdetection's `norm_eval`). Default false.
   */
  frozenStats?: boolean;
}

export const BATCH_NORM_DEFAULTS: Required<BatchNormOptions> = { eps: 1e-5, momentum: 0.1, affine: true, frozenStats: false };

/**
 * BatchNorm with PyTorch semantics, so pretrained weights behave as in PyTorch: training
 * normalizes with the batch mean and biased variance; the running variance tracks the
 * unbiased one; inference uses the running statistics. Parameter names follow PyTorch
 * (`weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`).
 */
export class BatchNorm extends Norm {
  readonly options: Required<BatchNormOptions>;
  readonly gamma?: tf.Variable;
  readonly beta?: tf.Variable;

  constructor(numChannels: number, options: BatchNormOptions = {}) {
    super(numChannels);
    this.options = { ...BATCH_NORM_DEFAULTS, ...options };
    checkCommonOptions('bn', this.options);
    if (typeof this.options.frozenStats !== 'boolean') optionError('bn', 'frozenStats', 'true or false', this.options.frozenStats);
    if (this.options.affine) ({ gamma: this.gamma, beta: this.beta } = this.registerAffine());
    this.registerRunningStatistics({ counter: true });
  }

  forward(y: tf.Tensor): tf.Tensor {
    this.checkChannels(y);
    const { eps, momentum } = this.options;
    if (!this.training || this.options.frozenStats) {
      return affineNormalize(y, this.buffer('running_mean'), this.buffer('running_var'), eps, this.gamma, this.beta);
    }
    return tf.tidy(() => {
      const { mean, variance, count } = channelMoments(y);
      if (count < 2) {
        throw new Error(`bn: expected more than 1 value per channel in training, got input shape [${y.shape.join(', ')}]`);
      }
      this.setBuffer('running_mean', ema(this.buffer('running_mean'), mean, momentum));
      this.setBuffer('running_var', ema(this.buffer('running_var'), tf.mul(variance, count / (count - 1)), momentum));
      this.setBuffer('num_batches_tracked', tf.add(this.buffer('num_batches_tracked'), tf.scalar(1, 'int32')));
      return affineNormalize(y, mean, variance, eps, this.gamma, this.beta);
    });
  }
}
