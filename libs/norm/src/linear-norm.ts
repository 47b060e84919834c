import * as tf from '@tensorflow/tfjs-core';
import { kaimingUniform, Module, Rng, zeros } from '@kestrel/runtime';
import { IdentityNorm } from './identity-norm';
import type { Norm } from './norm';
import type { Activation } from './conv-norm';
import { createNorm, type NormSpec } from './registry';

export interface LinearNormOptions {
  inFeatures: number;
  outFeatures: number;
  /** Default 'cbn'. */
  norm?: NormSpec;
  /** Default 'relu'. */
  activation?: Activation;
  /** Default only when the norm is `none`. */
  bias?: boolean;
  rng: Rng;
}

/** fully connected → norm → activation over [N, C]; the norm gets the layer's input and weight. */
export class LinearNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly norm: Norm;
  readonly activation: Activation;

  constructor(options: LinearNormOptions) {
    super();
    const { inFeatures, outFeatures } = options;
    for (const [name, value] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`LinearNorm: option "${name}" must be a positive integer, got ${value}`);
    }
    this.activation = options.activation ?? 'relu';
    // Stored [in, out] (TF layout); PyTorch's Linear stores [out, in].
    this.weight = this.registerParameter('weight', () => kaimingUniform([inFeatures, outFeatures], options.rng, { a: 1 }));
    this.norm = this.registerModule('norm', createNorm(options.norm ?? 'cbn', outFeatures));
    if (options.bias ?? this.norm instanceof IdentityNorm) this.bias = this.registerParameter('bias', () => zeros([outFeatures]));
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let y: tf.Tensor2D = tf.matMul(x, this.weight as tf.Tensor2D);
      if (this.bias) y = tf.add(y, this.bias);
      const producer = this.norm.needsProducer
        ? { kind: 'dense' as const, input: x, weight: this.weight as tf.Tensor2D }
        : undefined;
      let out = this.norm.forward(y, producer) as tf.Tensor2D;
      if (this.activation === 'relu') out = tf.relu(out);
      return out;
    });
  }
}
