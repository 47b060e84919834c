import * as tf from '@tensorflow/tfjs-core';
import { Module, Rng } from '@kestrel/runtime';
import {
  Box2BoxTransform,
  batchedNms,
  clipBoxesArray,
  scoreThresholdIndices,
  smoothL1Loss,
  softmaxCrossEntropy,
  type BoxCoderWeights,
} from '@kestrel/ops';
import { decodeBoxesArray } from '../box-arrays';
import { Linear } from '../linear';
import { definedOnly } from '../options';
import type { ImageDetections, ImageSize } from '../types';
import type { SampledProposals } from './proposal-sampling';

export interface FastRCNNOutputOptions {
  numClasses: number;
  /** Box coder weights. Default [10, 10, 5, 5]. */
  boxWeights?: BoxCoderWeights;
  /** Smooth-L1 β of the box loss; 0 is L1. Default 0. */
  smoothL1Beta?: number;
  /** One box regressor shared by all classes. Default false (class-specific). */
  clsAgnosticBboxReg?: boolean;
  /** Detections must score above this. Default 0.05. */
  scoreThreshold?: number;
  /** Per-class NMS IoU threshold. Default 0.5. */
  nmsThreshold?: number;
  /** Detections kept per image. Default 100. */
  detectionsPerImage?: number;
}

export const FAST_RCNN_OUTPUT_DEFAULTS = {
  boxWeights: [10, 10, 5, 5],
  smoothL1Beta: 0,
  clsAgnosticBboxReg: false,
  scoreThreshold: 0.05,
  nmsThreshold: 0.5,
  detectionsPerImage: 100,
} as const;

export type FastRCNNLosses = {
  loss_cls: tf.Scalar;
  loss_box_reg: tf.Scalar;
};

/**
 * detectron2's FastRCNNOutputLayers: a linear classifier over K + 1 classes (background last,
 * weights N(0, 0.01²)) and a class-specific box regressor (4K outputs, N(0, 0.001²)), with
 * their losses and the inference post-processing.
 */
export class FastRCNNOutputLayers extends Module {
  readonly clsScore: Linear;
  readonly bboxPred: Linear;
  readonly numClasses: number;
  readonly boxCoder: Box2BoxTransform;
  private readonly o: Required<Omit<FastRCNNOutputOptions, 'numClasses'>>;

  constructor(inputSize: number, options: FastRCNNOutputOptions, rng = new Rng(0)) {
    super();
    const { numClasses: _numClasses, ...rest } = options;
    this.o = { ...FAST_RCNN_OUTPUT_DEFAULTS, ...definedOnly(rest) } as Required<Omit<FastRCNNOutputOptions, 'numClasses'>>;
    this.numClasses = options.numClasses;
    if (!Number.isInteger(this.numClasses) || this.numClasses < 1) throw new Error(`box predictor: numClasses must be a positive integer, got ${this.numClasses}`);
    const regClasses = this.o.clsAgnosticBboxReg ? 1 : this.numClasses;
    this.clsScore = this.registerModule('cls_score', new Linear({ inFeatures: inputSize, outFeatures: this.numClasses + 1, std: 0.01, rng: rng.fork('cls_score') }));
    this.bboxPred = this.registerModule('bbox_pred', new Linear({ inFeatures: inputSize, outFeatures: 4 * regClasses, std: 0.001, rng: rng.fork('bbox_pred') }));
    this.boxCoder = new Box2BoxTransform({ weights: this.o.boxWeights });
  }

  /** Box features [R, D] → class logits [R, K + 1] and deltas [R, 4K] (or [R, 4] class-agnostic). */
  forward(x: tf.Tensor2D): { scores: tf.Tensor2D; deltas: tf.Tensor2D } {
    return tf.tidy(() => ({ scores: this.clsScore.forward(x), deltas: this.bboxPred.forward(x) }));
  }

  /**
   * Softmax cross-entropy (mean over RoIs) and the box loss of foreground RoIs on their GT
   * class's deltas, summed and divided by the number of sampled RoIs (detectron2: not by the
   * foreground count).
   */
  losses(scores: tf.Tensor2D, deltas: tf.Tensor2D, sampled: readonly SampledProposals[]): FastRCNNLosses {
    return tf.tidy(() => {
      const gtClasses = sampled.flatMap((s) => Array.from(s.gtClasses));
      const numRois = gtClasses.length;
      const lossCls = softmaxCrossEntropy(scores, gtClasses);
      const regClasses = deltas.shape[1] / 4;
      const fgRows: number[] = [];
      const fgProposals: number[] = [];
      const fgGt: number[] = [];
      let offset = 0;
      for (const s of sampled) {
        for (let i = 0; i < s.numForeground; i++) {
          const c = regClasses === 1 ? 0 : s.gtClasses[i]!;
          fgRows.push((offset + i) * regClasses + c);
          for (let k = 0; k < 4; k++) {
            fgProposals.push(s.boxes[4 * i + k]!);
            fgGt.push(s.gtBoxes[4 * i + k]!);
          }
        }
        offset += s.gtClasses.length;
      }
      const numFg = fgRows.length;
      // Row r·k + c of the [R·k, 4] view is RoI r's deltas for class c.
      const predicted = tf.gather(tf.reshape(deltas, [-1, 4]), tf.tensor1d(fgRows, 'int32')) as tf.Tensor2D;
      const target = this.boxCoder.getDeltas(tf.tensor2d(fgProposals, [numFg, 4]), tf.tensor2d(fgGt, [numFg, 4]));
      const lossBox = tf.div(smoothL1Loss(predicted, target, { beta: this.o.smoothL1Beta, reduction: 'sum' }), Math.max(numRois, 1));
      return { loss_cls: lossCls as tf.Scalar, loss_box_reg: lossBox as tf.Scalar };
    });
  }

  /**
   * detectron2's `fast_rcnn_inference`: softmax scores, class-specific boxes decoded and clipped
   * to the image, scores > scoreThreshold, NMS per class, top detectionsPerImage. Returns plain
   * values per image, in the coordinates of the image the model saw.
   */
  inference(scores: tf.Tensor2D, deltas: tf.Tensor2D, proposals: readonly Float32Array[], imageSizes: readonly ImageSize[]): ImageDetections[] {
    const softmax = tf.softmax(scores);
    const probs = softmax.dataSync() as Float32Array;
    softmax.dispose();
    const deltaValues = deltas.dataSync() as Float32Array;
    const k = this.numClasses;
    const regClasses = deltas.shape[1] / 4;
    const results: ImageDetections[] = [];
    let offset = 0;
    proposals.forEach((boxes, n) => {
      const count = boxes.length / 4;
      const rows = Int32Array.from({ length: count }, (_, i) => i);
      const imageDeltas = deltaValues.subarray(4 * regClasses * offset, 4 * regClasses * (offset + count));
      const decoded = clipBoxesArray(decodeBoxesArray(imageDeltas, boxes, rows, regClasses, this.o.boxWeights), imageSizes[n]!);
      // Candidates (RoI, class) in row-major order, as detectron2's filter_mask.nonzero().
      const candidateScores = new Float32Array(count * k);
      for (let r = 0; r < count; r++) for (let c = 0; c < k; c++) candidateScores[r * k + c] = probs[(offset + r) * (k + 1) + c]!;
      const passed = Array.from(scoreThresholdIndices(candidateScores, this.o.scoreThreshold)).filter((i) => {
        const b = 4 * (regClasses === 1 ? Math.floor(i / k) : i);
        return [0, 1, 2, 3].every((j) => Number.isFinite(decoded[b + j])) && Number.isFinite(candidateScores[i]);
      });
      const candBoxes = new Float32Array(passed.length * 4);
      passed.forEach((i, j) => {
        const b = 4 * (regClasses === 1 ? Math.floor(i / k) : i);
        candBoxes.set(decoded.subarray(b, b + 4), 4 * j);
      });
      const candScores = Float32Array.from(passed, (i) => candidateScores[i]!);
      const candClasses = Int32Array.from(passed, (i) => i % k);
      const keep = batchedNms(candBoxes, candScores, candClasses, this.o.nmsThreshold).slice(0, this.o.detectionsPerImage);
      const out = new Float32Array(keep.length * 4);
      keep.forEach((i, j) => out.set(candBoxes.subarray(4 * i, 4 * i + 4), 4 * j));
      results.push({ boxes: out, scores: Float32Array.from(keep, (i) => candScores[i]!), labels: Int32Array.from(keep, (i) => candClasses[i]!) });
      offset += count;
    });
    return results;
  }
}
