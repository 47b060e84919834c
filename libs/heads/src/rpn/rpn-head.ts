import * as tf from '@tensorflow/tfjs-core';
import { Module, normal, Rng } from '@kestrel/runtime';
import { ConvNorm } from '@kestrel/norm';

export interface RPNHeadOptions {
  /** Channels of every input level (the FPN output channels). */
  inChannels: number;
  /** Anchors per location (sizes × aspect ratios per level; the same on every level). */
  numAnchors: number;
  /** Initialisation randomness. Default seed 0. */
  rng?: Rng;
}

/** Per level: objectness logits [N, H·W·A] and deltas [N, H·W·A, 4], location-major then anchor. */
export interface RPNHeadOutputs {
  logits: tf.Tensor2D[];
  deltas: tf.Tensor3D[];
}

/**
 * detectron2's StandardRPNHead: a 3×3 conv + ReLU shared by every level, then 1×1 convs to A
 * objectness logits and 4A box deltas per location; all weights N(0, 0.01²), biases 0. No norm,
 * as in detectron2 (the head runs once per level, so a batch-statistics norm would mix levels).
 */
export class StandardRPNHead extends Module {
  readonly conv: ConvNorm;
  readonly objectnessLogits: ConvNorm;
  readonly anchorDeltas: ConvNorm;
  readonly numAnchors: number;

  constructor(options: RPNHeadOptions) {
    super();
    const { inChannels, numAnchors } = options;
    const rng = options.rng ?? new Rng(0);
    this.numAnchors = numAnchors;
    const conv = (name: string, outChannels: number, kernel: number, activation: 'relu' | 'none'): ConvNorm => {
      const module = new ConvNorm({ inChannels, outChannels, kernel, norm: 'none', activation, rng: rng.fork(name) });
      const init = normal(module.weight.shape, rng.fork(`${name}.normal`), { std: 0.01 });
      module.weight.assign(init);
      init.dispose();
      return this.registerModule(name, module);
    };
    this.conv = conv('conv', inChannels, 3, 'relu');
    this.objectnessLogits = conv('objectness_logits', numAnchors, 1, 'none');
    this.anchorDeltas = conv('anchor_deltas', 4 * numAnchors, 1, 'none');
  }

  forward(features: readonly tf.Tensor4D[]): RPNHeadOutputs {
    return tf.tidy(() => {
      const logits: tf.Tensor2D[] = [];
      const deltas: tf.Tensor3D[] = [];
      for (const x of features) {
        const [n, h, w] = x.shape;
        const t = this.conv.forward(x);
        // NHWC channels are (anchor, coordinate) with the coordinate fastest, as detectron2's
        // view(N, A, 4, H, W) reads its channels, so weights and anchor order carry over.
        logits.push(tf.reshape(this.objectnessLogits.forward(t), [n, h * w * this.numAnchors]));
        deltas.push(tf.reshape(this.anchorDeltas.forward(t), [n, h * w * this.numAnchors, 4]));
      }
      return { logits, deltas };
    });
  }
}
