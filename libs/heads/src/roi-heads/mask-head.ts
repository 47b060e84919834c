import * as tf from '@tensorflow/tfjs-core';
import { c2MsraFill, Module, normal, Rng, zeros } from '@kestrel/runtime';
import { ConvNorm, type NormSpec } from '@kestrel/norm';
import { sigmoidBinaryCrossEntropy } from '@kestrel/ops';
import { Conv2d, ConvTranspose2d } from '../conv';
import { checkInteger } from '../options';

export interface MaskHeadOptions {
  /** 3×3 convs (detectron2 NUM_CONV). Default 4. */
  numConvs?: number;
  /** Their channels, also the deconv's. Default 256. */
  convDim?: number;
  /** Norm after each conv (detectron2 ROI_MASK_HEAD.NORM). Default 'none'. */
  norm?: NormSpec;
  /** One mask for all classes instead of one per class. Default false. */
  clsAgnostic?: boolean;
}

export const MASK_HEAD_DEFAULTS = {
  numConvs: 4,
  convDim: 256,
  norm: 'none',
  clsAgnostic: false,
} as const satisfies MaskHeadOptions;

/**
 * detectron2's MaskRCNNConvUpsampleHead: `numConvs` 3×3 convs + ReLU, a 2×2 stride-2
 * transposed conv + ReLU (both c2_msra_fill), then a 1×1 conv to one mask logit per class
 * (N(0, 0.001²)). Pooled RoI features [R, S, S, C] → logits [R, 2S, 2S, K]. Parameters carry
 * detectron2's names: `mask_fcn{i}.weight` / `.bias` / `.norm.*`, `deconv.weight` / `.bias`
 * ([2, 2, out, in]: PyTorch's ConvTranspose2d [in, out, 2, 2] transposed like OIHW → HWIO) and
 * `predictor.weight` / `.bias`.
 */
export class MaskRCNNConvUpsampleHead extends Module {
  readonly convs: ConvNorm[] = [];
  readonly deconv: ConvTranspose2d;
  readonly predictor: Conv2d;
  readonly numMaskClasses: number;

  constructor(inChannels: number, numClasses: number, options: MaskHeadOptions = {}, rng = new Rng(0)) {
    super();
    const o = { ...MASK_HEAD_DEFAULTS, ...options };
    checkInteger('mask head', 'numConvs', o.numConvs, 0);
    checkInteger('mask head', 'convDim', o.convDim, 1);
    let channels = inChannels;
    for (let i = 0; i < o.numConvs; i++) {
      const name = `mask_fcn${i + 1}`;
      this.convs.push(this.registerModule(name, new ConvNorm({ inChannels: channels, outChannels: o.convDim, kernel: 3, norm: o.norm, rng: rng.fork(name) })));
      channels = o.convDim;
    }
    this.numMaskClasses = o.clsAgnostic ? 1 : numClasses;
    // conv2dTranspose filters are [kh, kw, out, in]; fan_out then reads `in`·k², as PyTorch's
    // c2_msra_fill does on a ConvTranspose2d weight [in, out, kh, kw].
    const deconvInit = () => c2MsraFill([2, 2, o.convDim, channels], rng.fork('deconv'));
    this.deconv = this.registerModule('deconv', new ConvTranspose2d(deconvInit, () => zeros([o.convDim])));
    const predictorInit = () => normal([1, 1, o.convDim, this.numMaskClasses], rng.fork('predictor'), { std: 0.001 });
    this.predictor = this.registerModule('predictor', new Conv2d(predictorInit, () => zeros([this.numMaskClasses])));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y = x;
      for (const conv of this.convs) y = conv.forward(y);
      return this.predictor.forward(tf.relu(this.deconv.forward(y)));
    });
  }
}

/** Each RoI's logits for one class: [R, M, M, K] and R class indices → [R, M·M]. */
export function selectClassMasks(logits: tf.Tensor4D, classes: ArrayLike<number>): tf.Tensor2D {
  const [r, h, w, k] = logits.shape;
  if (classes.length !== r) throw new Error(`selectClassMasks: ${classes.length} classes for ${r} masks`);
  return tf.tidy(() => {
    if (k === 1) return tf.reshape(logits, [r, h * w]) as tf.Tensor2D;
    // [R, K, M·M] rows r·K + c (a 4-D transpose, then a gather with a gradient).
    const byClass = tf.reshape(tf.transpose(logits, [0, 3, 1, 2]), [r * k, h * w]);
    const rows = Int32Array.from({ length: r }, (_, i) => i * k + classes[i]!);
    return tf.gather(byClass, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
  });
}

/**
 * detectron2's `mask_rcnn_loss`: binary cross-entropy between each foreground RoI's mask logits
 * for its ground-truth class and its M×M target, averaged over all pixels. `targets` holds
 * R·M·M values of 0/1 (coco-data's `maskTargets`).
 */
export function maskRcnnLoss(logits: tf.Tensor4D, gtClasses: ArrayLike<number>, targets: Float32Array): tf.Scalar {
  const [r, h, w, k] = logits.shape;
  if (targets.length !== r * h * w) throw new Error(`maskRcnnLoss: ${targets.length} target values for ${r} masks of ${h}×${w}`);
  return tf.tidy(() => {
    const picked = selectClassMasks(logits, k === 1 ? new Int32Array(r) : gtClasses);
    return sigmoidBinaryCrossEntropy(picked, tf.tensor2d(targets, [r, h * w])) as tf.Scalar;
  });
}

/** detectron2's `mask_rcnn_inference`: sigmoid of each detection's predicted-class logits, R·M·M values. */
export function maskRcnnInference(logits: tf.Tensor4D, classes: ArrayLike<number>): Float32Array {
  const k = logits.shape[3];
  const probs = tf.tidy(() => tf.sigmoid(selectClassMasks(logits, k === 1 ? new Int32Array(logits.shape[0]) : classes)));
  const values = probs.dataSync() as Float32Array;
  probs.dispose();
  return values;
}
