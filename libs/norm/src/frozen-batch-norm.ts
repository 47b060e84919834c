import * as tf from '@tensorflow/tfjs-core';
import { Norm } from './norm';
import { affineNormalize } from './moments';
import { checkCommonOptions } from './options';

export interface FrozenBatchNormOptions {
  /** Inside the sqrt. Default 1e-5 (detectron2's FrozenBatchNorm2d). */
  eps?: number;
}

/**
 * A fixed per-channel affine transform from running statistics and affine parameters
 * (detectron2's FrozenBatchNorm2d): the usual norm of a pretrained backbone. Nothing trains;
 * all four tensors are buffers with PyTorch BatchNorm names, so BN checkpoints load into it.
 */
export class FrozenBatchNorm extends Norm {
  readonly eps: number;

  constructor(numChannels: number, options: FrozenBatchNormOptions = {}) {
    super(numChannels);
    checkCommonOptions('frozen-bn', options);
    this.eps = options.eps ?? 1e-5;
    this.registerBuffer('weight', tf.ones([numChannels]));
    this.registerBuffer('bias', tf.zeros([numChannels]));
    this.registerRunningStatistics({ counter: false });
  }

  forward(y: tf.Tensor): tf.Tensor {
    this.checkChannels(y);
    return affineNormalize(
      y,
      this.buffer('running_mean'),
      this.buffer('running_var'),
      this.eps,
      this.buffer('weight'),
      this.buffer('bias'),
    );
  }
}
