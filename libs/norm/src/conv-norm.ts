import * as tf from '@tensorflow/tfjs-core';
import { c2MsraFill, Module, Rng, zeros } from '@kestrel/runtime';
import { CrossIterationBatchNorm } from './cbn/cross-iteration-bn';
import { IdentityNorm } from './identity-norm';
import type { Norm, ConvPadding } from './norm';
import { createNorm, type NormSpec } from './registry';

export type Activation = 'relu' | 'none';

export interface ConvNormOptions {
  inChannels: number;
  outChannels: number;
  /** Square kernel size. */
  kernel: number;
  /** Default 1. */
  stride?: number;
  /** Default 1. */
  dilation?: number;
  /**
   * Symmetric zero padding per side, PyTorch-style (TF's 'same' pads asymmetrically at
   * stride 2, which would break imported weights). Default ⌊dilation·(kernel − 1)/2⌋.
   */
  padding?: number;
  /** Default 'cbn'. */
  norm?: NormSpec;
  /** Applied after the norm. Default 'relu'. */
  activation?: Activation;
  /** A conv bias; default only when the norm is `none` (a norm's beta makes it redundant). */
  bias?: boolean;
  /** Initialisation randomness. */
  rng: Rng;
}

/**
 * conv → norm → activation, the building block of backbones, necks and heads. The norm gets
 * the conv's input and filter, so conv-coupled norms (CBN) work with no extra wiring.
 * Parameter names follow detectron2 (`weight`, `bias`, `norm.*`).
 */
export class ConvNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly norm: Norm;
  readonly stride: number;
  readonly dilation: number;
  readonly padding: number;
  readonly activation: Activation;

  constructor(options: ConvNormOptions) {
    super();
    const { inChannels, outChannels, kernel } = options;
    for (const [name, value] of [['inChannels', inChannels], ['outChannels', outChannels], ['kernel', kernel]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`ConvNorm: option "${name}" must be a positive integer, got ${value}`);
    }
    this.stride = options.stride ?? 1;
    this.dilation = options.dilation ?? 1;
    this.padding = options.padding ?? Math.floor((this.dilation * (kernel - 1)) / 2);
    this.activation = options.activation ?? 'relu';
    this.weight = this.registerParameter('weight', () => c2MsraFill([kernel, kernel, inChannels, outChannels], options.rng));
    this.norm = this.registerModule('norm', createNorm(options.norm ?? 'cbn', outChannels));
    if (options.bias ?? this.norm instanceof IdentityNorm) this.bias = this.registerParameter('bias', () => zeros([outChannels]));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const pad: ConvPadding = [[0, 0], [this.padding, this.padding], [this.padding, this.padding], [0, 0]];
      if (this.norm instanceof CrossIterationBatchNorm && !this.bias && this.dilation === 1) {
        // CBN's statistic gradients then come with the conv's own filter gradient.
        const out = this.norm.convForward(x, this.weight as tf.Tensor4D, [this.stride, this.stride], pad);
        return this.activation === 'relu' ? tf.relu(out) : out;
      }
      let y: tf.Tensor4D = tf.conv2d(x, this.weight as tf.Tensor4D, this.stride, pad, 'NHWC', this.dilation);
      if (this.bias) y = tf.add(y, this.bias);
      const producer = this.norm.needsProducer
        ? {
            kind: 'conv2d' as const,
            input: x,
            filter: this.weight as tf.Tensor4D,
            strides: [this.stride, this.stride] as [number, number],
            pad,
            dilations: [this.dilation, this.dilation] as [number, number],
          }
        : undefined;
      let out = this.norm.forward(y, producer) as tf.Tensor4D;
      if (this.activation === 'relu') out = tf.relu(out);
      return out;
    });
  }
}
