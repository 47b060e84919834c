import * as tf from '@tensorflow/tfjs-core';
import { Module, Rng } from '@kestrel/runtime';
import { ConvNorm, LinearNorm, type NormSpec } from '@kestrel/norm';
import { checkInteger } from '../options';

export interface BoxHeadOptions {
  /** 3×3 convs before the FCs (detectron2 NUM_CONV): 0 for "2fc", 4 for "4conv1fc". Default 0. */
  numConvs?: number;
  /** Channels of those convs. Default 256. */
  convDim?: number;
  /** Fully connected layers (NUM_FC). Default 2. */
  numFcs?: number;
  /** Width of the FCs. Default 1024. */
  fcDim?: number;
  /** Norm after each conv (detectron2 ROI_BOX_HEAD.NORM, e.g. GN for 4conv1fc). Default 'none'. */
  norm?: NormSpec;
  /**
   * Norm after each FC (not in detectron2, whose FCs have none; the CBN authors normalise the
   * heads, and a 2fc head has only FCs). Default 'none'.
   */
  fcNorm?: NormSpec;
}

export const BOX_HEAD_DEFAULTS = {
  numConvs: 0,
  convDim: 256,
  numFcs: 2,
  fcDim: 1024,
  norm: 'none',
  fcNorm: 'none',
} as const satisfies BoxHeadOptions;

/**
 * detectron2's FastRCNNConvFCHead: convs (c2_msra_fill) then flatten and FCs (c2_xavier_fill),
 * each with ReLU. Input pooled RoI features [R, S, S, C]; output [R, outputSize]. The FCs (or,
 * without FCs, the predictor) see the features flattened in PyTorch's (C, H, W) order, so
 * detectron2's `fc1.weight` maps directly (transposed [out, in] → [in, out]).
 */
export class FastRCNNConvFCHead extends Module {
  readonly convs: ConvNorm[] = [];
  readonly fcs: LinearNorm[] = [];
  readonly outputSize: number;

  constructor(inputShape: { channels: number; resolution: number }, options: BoxHeadOptions = {}, rng = new Rng(0)) {
    super();
    const o = { ...BOX_HEAD_DEFAULTS, ...options };
    checkInteger('box head', 'numConvs', o.numConvs, 0);
    checkInteger('box head', 'numFcs', o.numFcs, 0);
    checkInteger('box head', 'convDim', o.convDim, 1);
    checkInteger('box head', 'fcDim', o.fcDim, 1);
    if (o.numConvs + o.numFcs === 0) throw new Error('box head: needs at least one conv or FC');
    let channels = inputShape.channels;
    for (let i = 0; i < o.numConvs; i++) {
      const name = `conv${i + 1}`;
      this.convs.push(this.registerModule(name, new ConvNorm({ inChannels: channels, outChannels: o.convDim, kernel: 3, norm: o.norm, rng: rng.fork(name) })));
      channels = o.convDim;
    }
    let size = channels * inputShape.resolution * inputShape.resolution;
    for (let i = 0; i < o.numFcs; i++) {
      // LinearNorm initialises with kaiming_uniform(a = 1), which is c2_xavier_fill.
      const name = `fc${i + 1}`;
      this.fcs.push(this.registerModule(name, new LinearNorm({ inFeatures: size, outFeatures: o.fcDim, norm: o.fcNorm, rng: rng.fork(name) })));
      size = o.fcDim;
    }
    this.outputSize = size;
  }

  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let y = x;
      for (const conv of this.convs) y = conv.forward(y);
      // Flatten in detectron2's (C, H, W) order (NHWC → NCHW first), so its fc1 weight
      // [out, C·H·W] (or, without FCs, the predictor's) loads with only the [out, in] → [in, out]
      // transpose.
      let flat = tf.reshape(tf.transpose(y, [0, 3, 1, 2]), [y.shape[0], -1]) as tf.Tensor2D;
      for (const fc of this.fcs) flat = fc.forward(flat);
      return flat;
    });
  }
}
