import * as tf from '@tensorflow/tfjs-core';
import { Norm } from './norm';
import { checkCommonOptions } from './options';

export interface GroupNormOptions {
  /** Number of groups (default 32 when neither is given). */
  groups?: number;
  /** Alternatively, channels per group (e.g. 16); the group count follows. */
  channelsPerGroup?: number;
  /** Inside the sqrt. Default 1e-5. */
  eps?: number;
  /** Learnable per-channel gamma/beta. Default true. */
  affine?: boolean;
}

/**
 * GroupNorm (Wu & He 2018): per sample, statistics over (H, W, channels of the group).
 * LayerNorm and InstanceNorm are its two extremes as in that paper: one group (`ln`) and one
 * channel per group (`in`). Independent of the batch, identical in training and inference.
 */
export class GroupNorm extends Norm {
  readonly groups: number;
  readonly eps: number;
  readonly gamma?: tf.Variable;
  readonly beta?: tf.Variable;

  constructor(numChannels: number, options: GroupNormOptions = {}, typeName = 'gn') {
    super(numChannels);
    checkCommonOptions(typeName, options);
    this.groups = resolveGroups(numChannels, options, typeName);
    this.eps = options.eps ?? 1e-5;
    if (options.affine ?? true) ({ gamma: this.gamma, beta: this.beta } = this.registerAffine());
  }

  forward(y: tf.Tensor): tf.Tensor {
    this.checkChannels(y);
    return tf.tidy(() => {
      const n = y.shape[0]!;
      const spatial = y.rank === 4 ? y.shape[1]! * y.shape[2]! : 1;
      const perGroup = this.numChannels / this.groups;
      const grouped = tf.reshape(y, [n, spatial, this.groups, perGroup]);
      const { mean, variance } = tf.moments(grouped, [1, 3], true);
      const normalized = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.eps))), y.shape);
      let out: tf.Tensor = normalized;
      if (this.gamma) out = tf.mul(out, this.gamma);
      if (this.beta) out = tf.add(out, this.beta);
      return out;
    });
  }
}

function resolveGroups(channels: number, options: GroupNormOptions, typeName: string): number {
  if (options.groups !== undefined && options.channelsPerGroup !== undefined) {
    throw new Error(`${typeName}: give either option "groups" or "channelsPerGroup", not both`);
  }
  if (options.channelsPerGroup !== undefined) {
    const per = options.channelsPerGroup;
    if (!Number.isInteger(per) || per < 1 || channels % per !== 0) {
      throw new Error(`${typeName}: option "channelsPerGroup" must be a positive divisor of ${channels} channels, got ${per}`);
    }
    return channels / per;
  }
  const groups = options.groups ?? 32;
  if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0) {
    throw new Error(`${typeName}: option "groups" must be a positive divisor of ${channels} channels, got ${groups}`);
  }
  return groups;
}
