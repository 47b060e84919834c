/**
 * The study's model: a small all-conv classifier whose every conv is followed by the norm under
 * test (ConvNorm from @kestrel/norm), then global average pooling and a linear classifier.
 *
 * Stride-2 stages shrink 24² crops to 3² in the last block, so its norm sees only 9 positions
 * per image: at batch 1–2 its batch statistics come from 9–18 values per channel, which is
 * the regime where BatchNorm's train-time statistics differ most from its running averages.
 */
import { ConvNorm, type NormSpec } from '@kestrel/norm';
import { kaimingUniform, Module, ModuleList, Rng, tf, zeros } from '@kestrel/runtime';

export interface ClassifierOptions {
  /** Norm after every conv, or one per block (by block index). */
  norm: NormSpec | ((block: number) => NormSpec);
  /** Output classes. Default 5 (the shapes). */
  classes?: number;
  /** Channels of each block; the first block keeps the resolution, the others halve it. Default [16, 32, 64, 64]. */
  widths?: readonly number[];
  /** Input channels. Default 3. */
  inChannels?: number;
  rng: Rng;
}

export const CLASSIFIER_DEFAULTS = Object.freeze({ classes: 5, widths: [16, 32, 64, 64] as readonly number[], inChannels: 3 });

export class NormClassifier extends Module {
  readonly blocks: ModuleList<ConvNorm>;
  readonly fcWeight: tf.Variable;
  readonly fcBias: tf.Variable;

  constructor(options: ClassifierOptions) {
    super();
    const widths = options.widths ?? CLASSIFIER_DEFAULTS.widths;
    const classes = options.classes ?? CLASSIFIER_DEFAULTS.classes;
    if (widths.length === 0) throw new Error('model: "widths" needs at least one block');
    let inChannels = options.inChannels ?? CLASSIFIER_DEFAULTS.inChannels;
    const blocks: ConvNorm[] = widths.map((outChannels, i) => {
      const block = new ConvNorm({
        inChannels,
        outChannels,
        kernel: 3,
        stride: i === 0 ? 1 : 2,
        norm: typeof options.norm === 'function' ? options.norm(i) : options.norm,
        rng: options.rng.fork(`block${i}`),
      });
      inChannels = outChannels;
      return block;
    });
    this.blocks = this.registerModule('blocks', new ModuleList(blocks));
    const fcRng = options.rng.fork('fc');
    this.fcWeight = this.registerParameter('fc_weight', () => kaimingUniform([inChannels, classes], fcRng, { a: Math.sqrt(5) }));
    this.fcBias = this.registerParameter('fc_bias', () => zeros([classes]));
  }

  /** Logits [N, classes] for NHWC images. */
  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      for (const block of this.blocks) h = block.forward(h);
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      return tf.add(tf.matMul(pooled, this.fcWeight as tf.Tensor2D), this.fcBias) as tf.Tensor2D;
    });
  }

  /** Weights that get weight decay: conv filters and the classifier matrix (not norms or biases). */
  decayedParameters(): tf.Variable[] {
    return [...[...this.blocks].map((b) => b.weight), this.fcWeight];
  }
}
