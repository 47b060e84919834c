import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { affineNormalize } from '../moments';
import type { ConvPadding, Norm } from '../norm';
import { createNorm, parseNormSpec, type NormSpec } from '../registry';

export interface ConvNormLayerArgs {
  filters: number;
  kernelSize: number;
  /** Default 1. */
  strides?: number;
  /** Default 'cbn'. Any registered norm with an `affine` option (bn, brn, cbn, cbn-naive, gn, ln, in) or none. */
  norm?: NormSpec;
  /** Default 'relu'. */
  activation?: 'relu' | 'linear';
  /** Default 'heNormal'. */
  kernelInitializer?: 'heNormal' | 'glorotUniform';
  name?: string;
  inputShape?: number[];
}

/**
 * conv → norm → activation as a `tf.layers` layer, so `tf.LayersModel` users can adopt CBN.
 * Kernel, gamma and beta are trainable layer weights; the running mean and variance are
 * non-trainable ones (saved with the model). The norm's cross-iteration history is training
 * state that, as in Keras, `model.save()` does not keep. Padding is PyTorch-style symmetric.
 */
export class ConvNormLayer extends tfl.layers.Layer {
  static readonly className = 'KestrelConvNorm';
  private readonly args: Required<Omit<ConvNormLayerArgs, 'name' | 'inputShape'>>;
  private norm?: Norm;
  private kernel?: tfl.LayerVariable;
  private gamma?: tfl.LayerVariable;
  private beta?: tfl.LayerVariable;
  private movingMean?: tfl.LayerVariable;
  private movingVariance?: tfl.LayerVariable;

  constructor(args: ConvNormLayerArgs) {
    super(args);
    this.args = {
      filters: args.filters,
      kernelSize: args.kernelSize,
      strides: args.strides ?? 1,
      norm: args.norm ?? 'cbn',
      activation: args.activation ?? 'relu',
      kernelInitializer: args.kernelInitializer ?? 'heNormal',
    };
    const { type } = parseNormSpec(this.args.norm, `${ConvNormLayer.className}.norm`);
    if (type === 'frozen-bn') throw new Error(`${ConvNormLayer.className}.norm: "frozen-bn" has nothing to train; use "bn" or a norm with affine parameters`);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inChannels = shape[shape.length - 1];
    if (typeof inChannels !== 'number') throw new Error(`${this.name}: the input channel count must be known, got shape [${shape.join(', ')}]`);
    const { filters, kernelSize, kernelInitializer } = this.args;
    // The norm runs without its own affine; gamma/beta/moving stats live in layer weights.
    const spec = typeof this.args.norm === 'string' ? { type: this.args.norm } : this.args.norm;
    const hasAffine = spec.type !== 'none';
    this.norm = createNorm(hasAffine ? { ...spec, affine: false } : spec, filters, `${this.name}.norm`);
    this.kernel = this.addWeight('kernel', [kernelSize, kernelSize, inChannels, filters], 'float32', tfl.initializers[kernelInitializer]({}));
    if (hasAffine) {
      this.gamma = this.addWeight('gamma', [filters], 'float32', tfl.initializers.ones());
      this.beta = this.addWeight('beta', [filters], 'float32', tfl.initializers.zeros());
    }
    if (this.hasRunningStats()) {
      this.movingMean = this.addWeight('moving_mean', [filters], 'float32', tfl.initializers.zeros(), undefined, false);
      this.movingVariance = this.addWeight('moving_variance', [filters], 'float32', tfl.initializers.ones(), undefined, false);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const out = (size: number | null) => (size == null ? null : Math.ceil(size / this.args.strides));
    return [shape[0]!, out(shape[1]!), out(shape[2]!), this.args.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const norm = this.norm!;
      const filter = this.kernel!.read() as tf.Tensor4D;
      const p = Math.floor((this.args.kernelSize - 1) / 2);
      const pad: ConvPadding = [[0, 0], [p, p], [p, p], [0, 0]];
      const y = tf.conv2d(x, filter, this.args.strides, pad);
      let out: tf.Tensor;
      if (kwargs.training && this.hasRunningStats()) {
        // Start from the layer's moving statistics (they may have been loaded), update, write back.
        norm.setBuffer('running_mean', tf.clone(this.movingMean!.read()));
        norm.setBuffer('running_var', tf.clone(this.movingVariance!.read()));
        norm.train();
        const strides: [number, number] = [this.args.strides, this.args.strides];
        out = norm.forward(y, { kind: 'conv2d', input: x, filter, strides, pad, dilations: [1, 1] });
        this.movingMean!.write(norm.buffer('running_mean'));
        this.movingVariance!.write(norm.buffer('running_var'));
      } else if (this.hasRunningStats()) {
        out = affineNormalize(y, this.movingMean!.read(), this.movingVariance!.read(), this.epsilon());
      } else {
        norm.train(kwargs.training ?? false);
        out = norm.forward(y);
      }
      if (this.gamma) out = tf.add(tf.mul(out, this.gamma.read()), this.beta!.read());
      return this.args.activation === 'relu' ? tf.relu(out) : out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args } as unknown as tf.serialization.ConfigDict;
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    this.norm?.dispose();
    return super.dispose();
  }

  private hasRunningStats(): boolean {
    return this.norm !== undefined && this.norm.namedBuffers().some(([name]) => name === 'running_mean');
  }

  private epsilon(): number {
    return (this.norm as unknown as { options?: { eps?: number }; eps?: number }).options?.eps ?? 1e-5;
  }
}

tf.serialization.registerClass(ConvNormLayer);
