import * as tf from '@tensorflow/tfjs-core';
import { Module, ModuleList, Rng } from '@kestrel/runtime';
import { ConvNorm, parseNormSpec, type NormSpec } from '@kestrel/norm';
import { BasicBlock, Bottleneck } from './blocks';

export type ResNetDepth = 18 | 34 | 50 | 101;
export type ResNetStage = 'res2' | 'res3' | 'res4' | 'res5';
export const RESNET_STAGES: readonly ResNetStage[] = ['res2', 'res3', 'res4', 'res5'];

const ARCHITECTURES: Record<ResNetDepth, { block: 'basic' | 'bottleneck'; depths: [number, number, number, number] }> = {
  18: { block: 'basic', depths: [2, 2, 2, 2] },
  34: { block: 'basic', depths: [3, 4, 6, 3] },
  50: { block: 'bottleneck', depths: [3, 4, 6, 3] },
  101: { block: 'bottleneck', depths: [3, 4, 23, 3] },
};

export interface ResNetOptions {
  depth: ResNetDepth;
  /** Norm after every conv, including the stem and the shortcut projections. Default 'frozen-bn'. */
  norm?: NormSpec;
  /** Channel multiplier for CPU-sized models (0.5 halves every width). Default 1. */
  width?: number;
  /**
   * detectron2's FREEZE_AT: 0 trains everything, 1 freezes the stem, 2 the stem and res2, …
   * Frozen stages' parameters do not train and BN-family norms there become frozen-bn.
   * Default 2 (detectron2).
   */
  freezeAt?: number;
  /** Stride on the first 1×1 of bottlenecks (MSRA weights) instead of the 3×3 (torchvision). Default false. */
  strideInOneByOne?: boolean;
  /** Stages to return. Default all four. */
  outFeatures?: ResNetStage[];
  /** Initialisation randomness. Default seed 0. */
  rng?: Rng;
}

export interface FeatureShape {
  channels: number;
  stride: number;
}

const STATISTICS_NORMS = new Set(['bn', 'cbn', 'cbn-naive', 'brn', 'frozen-bn']);

/**
 * ResNet backbone (He et al. 2016) with torchvision's layout: stem `conv1` (7×7/2 + norm +
 * ReLU, then 3×3/2 max-pool), stages `layer1`…`layer4` returning res2…res5 at strides 4…32.
 * Every conv carries its own norm (`<conv>.norm`), so CBN is wired to the conv it follows,
 * including in BasicBlocks and the downsample projections.
 */
export class ResNet extends Module {
  readonly conv1: ConvNorm;
  readonly stages: ModuleList<BasicBlock | Bottleneck>[];
  readonly outFeatures: ResNetStage[];
  readonly featureShapes: Record<ResNetStage, FeatureShape>;
  readonly freezeAt: number;

  constructor(options: ResNetOptions) {
    super();
    const arch = ARCHITECTURES[options.depth];
    if (!arch) throw new Error(`ResNet: option "depth" must be one of 18, 34, 50, 101, got ${String(options.depth)}`);
    const width = options.width ?? 1;
    if (!(width > 0)) throw new Error(`ResNet: option "width" must be > 0, got ${width}`);
    this.freezeAt = options.freezeAt ?? 2;
    if (!Number.isInteger(this.freezeAt) || this.freezeAt < 0 || this.freezeAt > 5) {
      throw new Error(`ResNet: option "freezeAt" must be an integer in 0..5, got ${this.freezeAt}`);
    }
    this.outFeatures = options.outFeatures ?? [...RESNET_STAGES];
    for (const f of this.outFeatures) {
      if (!RESNET_STAGES.includes(f)) throw new Error(`ResNet: unknown output feature "${f}"; expected ${RESNET_STAGES.join(', ')}`);
    }
    const norm = options.norm ?? 'frozen-bn';
    const rng = options.rng ?? new Rng(0);
    // Stage 0 is the stem; frozen parts swap BN-family norms for frozen-bn (nothing to update).
    const normFor = (stage: number): NormSpec => (stage < this.freezeAt && STATISTICS_NORMS.has(parseNormSpec(norm, 'ResNet.norm').type) ? 'frozen-bn' : norm);

    const stemChannels = Math.max(1, Math.round(64 * width));
    this.conv1 = this.registerModule('conv1', new ConvNorm({ inChannels: 3, outChannels: stemChannels, kernel: 7, stride: 2, norm: normFor(0), rng: rng.fork('conv1') }));
    this.stages = [];
    const shapes = {} as Record<ResNetStage, FeatureShape>;
    let inChannels = stemChannels;
    arch.depths.forEach((depth, i) => {
      const base = Math.max(1, Math.round(64 * width * 2 ** i));
      const outChannels = arch.block === 'basic' ? base : base * Bottleneck.expansion;
      const blocks: (BasicBlock | Bottleneck)[] = [];
      for (let b = 0; b < depth; b++) {
        const common = { inChannels, outChannels, stride: b === 0 && i > 0 ? 2 : 1, norm: normFor(i + 1), rng: rng.fork(`layer${i + 1}.${b}`) };
        blocks.push(
          arch.block === 'basic'
            ? new BasicBlock(common)
            : new Bottleneck({ ...common, bottleneckChannels: base, strideInOneByOne: options.strideInOneByOne ?? false }),
        );
        inChannels = outChannels;
      }
      this.stages.push(this.registerModule(`layer${i + 1}`, new ModuleList(blocks)));
      shapes[RESNET_STAGES[i]!] = { channels: outChannels, stride: 4 * 2 ** i };
    });
    this.featureShapes = shapes;
    if (this.freezeAt >= 1) this.conv1.freeze();
    this.stages.forEach((stage, i) => {
      if (i + 2 <= this.freezeAt) stage.freeze();
    });
  }

  /** NHWC images → the requested stage outputs. */
  forward(images: tf.Tensor4D): Partial<Record<ResNetStage, tf.Tensor4D>> {
    const last = Math.max(...this.outFeatures.map((f) => RESNET_STAGES.indexOf(f)));
    // Returned from tidy (not tf.keep), so an enclosing tidy still frees them.
    return tf.tidy(() => {
      const out: Partial<Record<ResNetStage, tf.Tensor4D>> = {};
      // torchvision's MaxPool2d(3, stride 2, padding 1): symmetric padding of 1.
      let x = tf.maxPool(this.conv1.forward(images), 3, 2, 1);
      for (let i = 0; i <= last; i++) {
        for (const block of this.stages[i]!) x = block.forward(x);
        const name = RESNET_STAGES[i]!;
        if (this.outFeatures.includes(name)) out[name] = x;
      }
      return out as Record<string, tf.Tensor4D>;
    });
  }
}
