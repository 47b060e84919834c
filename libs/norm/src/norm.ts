import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@kestrel/runtime';

/** Padding as tf.conv2d takes it. */
export type ConvPadding = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/**
 * The convolution whose output a norm normalizes. Conv-coupled norms (CBN) need it to
 * differentiate their statistics with respect to the filter; other norms ignore it.
 */
export interface ConvProducer {
  kind: 'conv2d';
  /** Conv input, NHWC. */
  input: tf.Tensor4D;
  /** Conv filter, [kh, kw, cin, cout]. */
  filter: tf.Tensor4D;
  strides: [number, number];
  pad: ConvPadding;
  dilations: [number, number];
}

/** The fully connected layer (y = x·W) whose output a norm normalizes. */
export interface DenseProducer {
  kind: 'dense';
  /** Layer input, [N, cin]. */
  input: tf.Tensor2D;
  /** Weight, [cin, cout]. */
  weight: tf.Tensor2D;
}

export type Producer = ConvProducer | DenseProducer;

/**
 * A normalization layer over the last (channel) axis of NHWC or [N, C] activations.
 * `forward(y, producer)` normalizes `y`; in training mode it may update running statistics.
 */
export abstract class Norm extends Module {
  /** Whether `forward` needs the producing layer (see {@link Producer}). */
  readonly needsProducer: boolean = false;

  constructor(readonly numChannels: number) {
    super();
  }

  abstract forward(y: tf.Tensor, producer?: Producer): tf.Tensor;

  /** Per-channel gamma (`weight`, ones) and beta (`bias`, zeros), PyTorch's names. */
  protected registerAffine(): { gamma: tf.Variable; beta: tf.Variable } {
    return {
      gamma: this.registerParameter('weight', tf.ones([this.numChannels])),
      beta: this.registerParameter('bias', tf.zeros([this.numChannels])),
    };
  }

  /** `running_mean` (zeros) and `running_var` (ones), plus PyTorch's `num_batches_tracked` counter if asked. */
  protected registerRunningStatistics({ counter }: { counter: boolean }): void {
    this.registerBuffer('running_mean', tf.zeros([this.numChannels]));
    this.registerBuffer('running_var', tf.ones([this.numChannels]));
    if (counter) this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  /** Asserts y has `numChannels` channels in its last axis, naming the layer. */
  protected checkChannels(y: tf.Tensor): void {
    const channels = y.shape[y.rank - 1];
    if ((y.rank !== 2 && y.rank !== 4) || channels !== this.numChannels) {
      throw new Error(
        `${this.constructor.name}: expected NHWC or [N, C] input with C = ${this.numChannels}, got shape [${y.shape.join(', ')}]`,
      );
    }
  }
}
