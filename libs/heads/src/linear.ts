import * as tf from '@tensorflow/tfjs-core';
import { Module, normal, zeros, type Rng } from '@kestrel/runtime';

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  /** Standard deviation of the normal weight init (biases start at 0). */
  std: number;
  rng: Rng;
}

/** A fully connected layer y = x·W + b with W ~ N(0, std²), for the predictors. W is [in, out]. */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(options: LinearOptions) {
    super();
    const { inFeatures, outFeatures, std, rng } = options;
    this.weight = this.registerParameter('weight', () => normal([inFeatures, outFeatures], rng, { std }));
    this.bias = this.registerParameter('bias', () => zeros([outFeatures]));
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(x, this.weight as tf.Tensor2D), this.bias));
  }
}
