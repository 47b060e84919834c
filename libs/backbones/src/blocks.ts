import * as tf from '@tensorflow/tfjs-core';
import { Module, type Rng } from '@kestrel/runtime';
import { ConvNorm, type NormSpec } from '@kestrel/norm';

export interface BlockOptions {
  inChannels: number;
  outChannels: number;
  stride: number;
  norm: NormSpec;
  rng: Rng;
}

/** A 1×1 (strided) conv + norm shortcut when the shape changes (torchvision's `downsample`). */
function downsampleFor(o: BlockOptions): ConvNorm | undefined {
  if (o.stride === 1 && o.inChannels === o.outChannels) return undefined;
  return new ConvNorm({
    inChannels: o.inChannels,
    outChannels: o.outChannels,
    kernel: 1,
    stride: o.stride,
    norm: o.norm,
    activation: 'none',
    rng: o.rng.fork('downsample'),
  });
}

/** ResNet-18/34 block: 3×3 → 3×3, identity or projection shortcut. */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: ConvNorm;
  readonly conv2: ConvNorm;
  readonly downsample?: ConvNorm;

  constructor(o: BlockOptions) {
    super();
    this.conv1 = this.registerModule('conv1', new ConvNorm({ inChannels: o.inChannels, outChannels: o.outChannels, kernel: 3, stride: o.stride, norm: o.norm, rng: o.rng.fork('conv1') }));
    this.conv2 = this.registerModule('conv2', new ConvNorm({ inChannels: o.outChannels, outChannels: o.outChannels, kernel: 3, norm: o.norm, activation: 'none', rng: o.rng.fork('conv2') }));
    const downsample = downsampleFor(o);
    if (downsample) this.downsample = this.registerModule('downsample', downsample);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const shortcut = this.downsample ? this.downsample.forward(x) : x;
      return tf.relu(tf.add(this.conv2.forward(this.conv1.forward(x)), shortcut)) as tf.Tensor4D;
    });
  }
}

export interface BottleneckOptions extends BlockOptions {
  /** Width of the 3×3 conv (outChannels / 4 in standard ResNets). */
  bottleneckChannels: number;
  /** Stride on the first 1×1 (MSRA/detectron2 C2 weights) instead of the 3×3 (torchvision). */
  strideInOneByOne: boolean;
}

/** ResNet-50/101 block: 1×1 → 3×3 → 1×1, identity or projection shortcut. */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: ConvNorm;
  readonly conv2: ConvNorm;
  readonly conv3: ConvNorm;
  readonly downsample?: ConvNorm;

  constructor(o: BottleneckOptions) {
    super();
    const [s1, s3] = o.strideInOneByOne ? [o.stride, 1] : [1, o.stride];
    const mid = o.bottleneckChannels;
    this.conv1 = this.registerModule('conv1', new ConvNorm({ inChannels: o.inChannels, outChannels: mid, kernel: 1, stride: s1, norm: o.norm, rng: o.rng.fork('conv1') }));
    this.conv2 = this.registerModule('conv2', new ConvNorm({ inChannels: mid, outChannels: mid, kernel: 3, stride: s3, norm: o.norm, rng: o.rng.fork('conv2') }));
    this.conv3 = this.registerModule('conv3', new ConvNorm({ inChannels: mid, outChannels: o.outChannels, kernel: 1, norm: o.norm, activation: 'none', rng: o.rng.fork('conv3') }));
    const downsample = downsampleFor(o);
    if (downsample) this.downsample = this.registerModule('downsample', downsample);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const shortcut = this.downsample ? this.downsample.forward(x) : x;
      return tf.relu(tf.add(this.conv3.forward(this.conv2.forward(this.conv1.forward(x))), shortcut)) as tf.Tensor4D;
    });
  }
}
