import * as tf from '@tensorflow/tfjs-core';
import { c2XavierFill, Module, Rng } from '@kestrel/runtime';
import { ConvNorm, type NormSpec } from '@kestrel/norm';

/** Channels and stride (input pixels per feature pixel) of a feature map. */
export interface FeatureShape {
  channels: number;
  stride: number;
}

/** What FPN adds above its coarsest input level. */
export type FpnTopBlock = 'max-pool' | 'none';

export interface FPNOptions {
  /** Shapes of the backbone features by name, e.g. `ResNet.featureShapes`. */
  inputShapes: Readonly<Record<string, FeatureShape>>;
  /**
   * Backbone features to build the pyramid from, any order; strides must double from one to the
   * next. Default: every entry of `inputShapes` (detectron2: res2–res5 → P2–P5; a CPU config
   * may use res3–res5 → P3–P5 and skip the stride-4 level, about half of all FLOPs).
   */
  inFeatures?: readonly string[];
  /** Channels of every output level. Default 256. */
  outChannels?: number;
  /**
   * Norm in the lateral and output convs. Default `'none'` (detectron2), which gives the convs a
   * bias. The CBN authors use CBN here while the pretrained backbone stays frozen-BN.
   */
  norm?: NormSpec;
  /**
   * `'max-pool'` adds one level above the coarsest by max-pooling its output with kernel 1,
   * stride 2 (detectron2's LastLevelMaxPool: P6 from P5, used by the RPN only). Default `'max-pool'`.
   */
  topBlock?: FpnTopBlock;
  /** Initialisation randomness. Default seed 0. */
  rng?: Rng;
}

export const FPN_DEFAULTS = {
  outChannels: 256,
  norm: 'none',
  topBlock: 'max-pool',
} as const satisfies Partial<FPNOptions>;

/**
 * Feature Pyramid Network (Lin et al. 2017) as detectron2 builds it: a 1×1 lateral conv per
 * input level, a top-down path that upsamples the coarser merged map by nearest ×2 and adds the
 * lateral, and a 3×3 output conv per level; outputs are named `p<log2 stride>` (`p2`…`p6`).
 * Convs are c2_xavier_fill initialised (detectron2), each with the configured norm.
 */
export class FPN extends Module {
  /** Input feature names, finest first. */
  readonly inFeatures: readonly string[];
  /** Output names, finest first (`p2`, …, `p6`). */
  readonly outFeatures: readonly string[];
  readonly outputShapes: Readonly<Record<string, FeatureShape>>;
  readonly topBlock: FpnTopBlock;
  private readonly laterals: ConvNorm[] = [];
  private readonly outputs: ConvNorm[] = [];

  constructor(options: FPNOptions) {
    super();
    const outChannels = options.outChannels ?? FPN_DEFAULTS.outChannels;
    const norm = options.norm ?? FPN_DEFAULTS.norm;
    this.topBlock = options.topBlock ?? FPN_DEFAULTS.topBlock;
    if (!Number.isInteger(outChannels) || outChannels < 1) throw new Error(`FPN: option "outChannels" must be a positive integer, got ${outChannels}`);
    if (this.topBlock !== 'max-pool' && this.topBlock !== 'none') {
      throw new Error(`FPN: option "topBlock" must be "max-pool" or "none", got ${JSON.stringify(this.topBlock)}`);
    }
    const names = options.inFeatures ?? Object.keys(options.inputShapes);
    if (names.length === 0) throw new Error('FPN: option "inFeatures" must name at least one feature');
    const inputs = names.map((name) => {
      const shape = options.inputShapes[name];
      if (!shape) throw new Error(`FPN: input feature "${name}" is not among ${Object.keys(options.inputShapes).join(', ')}`);
      return { name, ...shape };
    });
    inputs.sort((a, b) => a.stride - b.stride);
    inputs.forEach((input, i) => {
      const level = Math.log2(input.stride);
      if (!Number.isInteger(level)) throw new Error(`FPN: stride of "${input.name}" must be a power of 2, got ${input.stride}`);
      if (i > 0 && input.stride !== 2 * inputs[i - 1]!.stride) {
        throw new Error(`FPN: strides must double from level to level, got ${inputs.map((x) => x.stride).join(', ')}`);
      }
    });
    this.inFeatures = inputs.map((x) => x.name);

    const rng = options.rng ?? new Rng(0);
    const shapes: Record<string, FeatureShape> = {};
    const outFeatures: string[] = [];
    for (const input of inputs) {
      const level = Math.log2(input.stride);
      const conv = (name: string, inChannels: number, kernel: number): ConvNorm => {
        const module = new ConvNorm({ inChannels, outChannels, kernel, norm, activation: 'none', rng: rng.fork(name) });
        // detectron2 initialises FPN convs with c2_xavier_fill (ConvNorm's default is c2_msra_fill).
        const xavier = c2XavierFill(module.weight.shape, rng.fork(`${name}.xavier`));
        module.weight.assign(xavier);
        xavier.dispose();
        return this.registerModule(name, module);
      };
      this.laterals.push(conv(`fpn_lateral${level}`, input.channels, 1));
      this.outputs.push(conv(`fpn_output${level}`, outChannels, 3));
      outFeatures.push(`p${level}`);
      shapes[`p${level}`] = { channels: outChannels, stride: input.stride };
    }
    if (this.topBlock === 'max-pool') {
      const coarsest = inputs[inputs.length - 1]!.stride * 2;
      outFeatures.push(`p${Math.log2(coarsest)}`);
      shapes[`p${Math.log2(coarsest)}`] = { channels: outChannels, stride: coarsest };
    }
    this.outFeatures = outFeatures;
    this.outputShapes = shapes;
  }

  /**
   * Backbone features (NHWC; each level exactly twice the size of the next, which padding the
   * images to a multiple of the coarsest stride guarantees) → pyramid levels by name.
   */
  forward(features: Readonly<Record<string, tf.Tensor4D>>): Record<string, tf.Tensor4D> {
    const inputs = this.inFeatures.map((name) => {
      const x = features[name];
      if (!x) throw new Error(`FPN: missing input feature "${name}"`);
      return x;
    });
    return tf.tidy(() => {
      const results: tf.Tensor4D[] = [];
      let merged: tf.Tensor4D | undefined;
      for (let i = inputs.length - 1; i >= 0; i--) {
        const lateral = this.laterals[i]!.forward(inputs[i]!);
        const sum: tf.Tensor4D = merged === undefined ? lateral : tf.add(lateral, upsampleNearest2x(merged, lateral.shape));
        results.unshift(this.outputs[i]!.forward(sum));
        merged = sum;
      }
      // P6: max-pool with kernel 1 and stride 2 is a stride-2 subsample of P5's output.
      if (this.topBlock === 'max-pool') results.push(tf.maxPool(results[results.length - 1]!, 1, 2, 'valid'));
      const out: Record<string, tf.Tensor4D> = {};
      this.outFeatures.forEach((name, i) => (out[name] = results[i]!));
      return out;
    });
  }
}

/** PyTorch's `F.interpolate(x, scale_factor=2, mode="nearest")`, checked against the finer map. */
function upsampleNearest2x(x: tf.Tensor4D, target: readonly number[]): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (target[1] !== 2 * h || target[2] !== 2 * w) {
    throw new Error(
      `FPN: a ${h}×${w} level cannot be upsampled ×2 onto ${target[1]}×${target[2]}; pad images to a multiple of the coarsest input stride`,
    );
  }
  return tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]);
}
