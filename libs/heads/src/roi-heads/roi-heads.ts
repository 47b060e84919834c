import * as tf from '@tensorflow/tfjs-core';
import { Module, Rng, type StateDict } from '@kestrel/runtime';
import { maskTargets } from '@kestrel/coco-data';
import { Matcher, ROIPooler, subsampleLabels, type BoxCoderWeights } from '@kestrel/ops';
import { concatFloat32 } from '../box-arrays';
import { definedOnly } from '../options';
import { checkExtraKeys, loadRngStateTensors, rngStateTensors } from '../rng-state';
import type { FeatureMaps, FeatureShape, ImageDetections, ImageSize, ImageTargets } from '../types';
import { BOX_HEAD_DEFAULTS, FastRCNNConvFCHead, type BoxHeadOptions } from './box-head';
import { FAST_RCNN_OUTPUT_DEFAULTS, FastRCNNOutputLayers, type FastRCNNLosses } from './fast-rcnn-outputs';
import { MASK_HEAD_DEFAULTS, MaskRCNNConvUpsampleHead, maskRcnnInference, maskRcnnLoss, type MaskHeadOptions } from './mask-head';
import { labelAndSampleProposals, type SampledProposals } from './proposal-sampling';

/** RoIAlign settings of one pooler. */
export interface PoolerOptions {
  /** Output bins per side. */
  poolerResolution?: number;
  /** Samples per bin per axis; 0 = adaptive (detectron2). Default 0. */
  samplingRatio?: number;
  /** ROIAlignV2's half-pixel shift. Default true. */
  aligned?: boolean;
}

export interface BoxBranchOptions extends BoxHeadOptions, PoolerOptions {
  /** Box coder weights. Default [10, 10, 5, 5]. */
  boxWeights?: BoxCoderWeights;
  /** Smooth-L1 β; 0 is L1. Default 0. */
  smoothL1Beta?: number;
  /** One regressor for all classes. Default false. */
  clsAgnosticBboxReg?: boolean;
}

export interface MaskBranchOptions extends MaskHeadOptions, PoolerOptions {
  /**
   * Foreground RoIs per image the mask head trains on, chosen at random; null keeps all
   * (detectron2). A CPU config caps it: the mask head dominates a small model's step time.
   */
  maxPositivesPerImage?: number | null;
}

export interface ROIHeadsOptions {
  numClasses: number;
  /** Feature map shapes by name (the FPN's `outputShapes`). */
  inputShapes: Readonly<Record<string, FeatureShape>>;
  /** Levels RoIs pool from, finest first. Default ['p2', 'p3', 'p4', 'p5']. */
  inFeatures?: readonly string[];
  /** RoIs sampled per image. Default 512. */
  batchSizePerImage?: number;
  /** Largest foreground fraction. Default 0.25. */
  positiveFraction?: number;
  /** Foreground from this IoU with a ground-truth box. Default 0.5. */
  iouThreshold?: number;
  /** Add ground-truth boxes to the proposals while training. Default true. */
  proposalAppendGt?: boolean;
  /** Background RoIs with at least this fraction inside a crowd box are not sampled; null disables. Default 0.5. */
  crowdIgnoreIoF?: number | null;
  /** Detections must score above this. Default 0.05. */
  scoreThreshold?: number;
  /** Per-class NMS IoU threshold. Default 0.5. */
  nmsThreshold?: number;
  /** Detections per image. Default 100. */
  detectionsPerImage?: number;
  /** Box branch: pooler (7×7), head (2fc × 1024), predictor. */
  boxHead?: BoxBranchOptions;
  /** Mask branch (pooler 14×14, 4 conv + deconv); null or absent for Faster R-CNN. */
  maskHead?: MaskBranchOptions | null;
  /** Initialisation and sampling randomness. Default seed 0. */
  rng?: Rng;
}

export const ROI_HEADS_DEFAULTS = {
  inFeatures: ['p2', 'p3', 'p4', 'p5'],
  batchSizePerImage: 512,
  positiveFraction: 0.25,
  iouThreshold: 0.5,
  proposalAppendGt: true,
  crowdIgnoreIoF: 0.5,
  scoreThreshold: 0.05,
  nmsThreshold: 0.5,
  detectionsPerImage: 100,
} as const;

export const BOX_BRANCH_DEFAULTS = {
  ...BOX_HEAD_DEFAULTS,
  poolerResolution: 7,
  samplingRatio: 0,
  aligned: true,
  boxWeights: FAST_RCNN_OUTPUT_DEFAULTS.boxWeights,
  smoothL1Beta: 0,
  clsAgnosticBboxReg: false,
} as const;

export const MASK_BRANCH_DEFAULTS = {
  ...MASK_HEAD_DEFAULTS,
  poolerResolution: 14,
  samplingRatio: 0,
  aligned: true,
  maxPositivesPerImage: null,
} as const;

export type ROIHeadsLosses = FastRCNNLosses & {
  loss_mask?: tf.Scalar;
};

/**
 * detectron2's StandardROIHeads: in training, proposals are labelled and sampled against the
 * ground truth, pooled (RoIAlign over the FPN levels) and fed to the box head and predictor,
 * and foreground RoIs to the mask head; at inference, the box branch's detections are the RoIs
 * of the mask branch.
 */
export class StandardROIHeads extends Module {
  readonly boxHead: FastRCNNConvFCHead;
  readonly boxPredictor: FastRCNNOutputLayers;
  readonly maskHead?: MaskRCNNConvUpsampleHead;
  readonly inFeatures: readonly string[];
  readonly numClasses: number;
  private readonly o: Required<Omit<ROIHeadsOptions, 'rng' | 'inputShapes' | 'numClasses' | 'boxHead' | 'maskHead'>>;
  private readonly maskOptions?: Required<MaskBranchOptions>;
  private readonly boxPooler: ROIPooler;
  private readonly maskPooler?: ROIPooler;
  private readonly matcher: Matcher;
  private readonly samplerRng: Rng;

  constructor(options: ROIHeadsOptions) {
    super();
    const { rng = new Rng(0), inputShapes, numClasses, boxHead = {}, maskHead, ...rest } = options;
    this.o = { ...ROI_HEADS_DEFAULTS, ...definedOnly(rest) } as StandardROIHeads['o'];
    this.numClasses = numClasses;
    this.inFeatures = [...this.o.inFeatures];
    const shapes = this.inFeatures.map((name) => {
      const shape = inputShapes[name];
      if (!shape) throw new Error(`ROI heads: input feature "${name}" is not among ${Object.keys(inputShapes).join(', ')}`);
      return shape;
    });
    const channels = new Set(shapes.map((s) => s.channels));
    if (channels.size !== 1) throw new Error(`ROI heads: every input level needs the same channels, got ${[...channels].join(', ')}`);
    const inChannels = shapes[0]!.channels;
    const scales = shapes.map((s) => 1 / s.stride);

    const box = { ...BOX_BRANCH_DEFAULTS, ...definedOnly(boxHead) };
    this.boxPooler = new ROIPooler({ outputSize: box.poolerResolution, scales, samplingRatio: box.samplingRatio, aligned: box.aligned });
    this.boxHead = this.registerModule('box_head', new FastRCNNConvFCHead({ channels: inChannels, resolution: box.poolerResolution }, box, rng.fork('box_head')));
    this.boxPredictor = this.registerModule(
      'box_predictor',
      new FastRCNNOutputLayers(
        this.boxHead.outputSize,
        {
          numClasses,
          boxWeights: box.boxWeights,
          smoothL1Beta: box.smoothL1Beta,
          clsAgnosticBboxReg: box.clsAgnosticBboxReg,
          scoreThreshold: this.o.scoreThreshold,
          nmsThreshold: this.o.nmsThreshold,
          detectionsPerImage: this.o.detectionsPerImage,
        },
        rng.fork('box_predictor'),
      ),
    );
    if (maskHead) {
      const mask = { ...MASK_BRANCH_DEFAULTS, ...definedOnly(maskHead) } as Required<MaskBranchOptions>;
      this.maskOptions = mask;
      this.maskPooler = new ROIPooler({ outputSize: mask.poolerResolution, scales, samplingRatio: mask.samplingRatio, aligned: mask.aligned });
      this.maskHead = this.registerModule('mask_head', new MaskRCNNConvUpsampleHead(inChannels, numClasses, mask, rng.fork('mask_head')));
    }
    this.matcher = new Matcher({ thresholds: [this.o.iouThreshold], labels: [0, 1] });
    this.samplerRng = rng.fork('sampler');
  }

  /**
   * The RNG position of the RoI sampler (also the mask head's positive subsampling),
   * `_extra_state.sampler_rng.*`, for an exact resume.
   */
  protected override getExtraState(): StateDict {
    return rngStateTensors(this.samplerRng, 'sampler_rng');
  }

  /** Empty state (a checkpoint without it) keeps the current sampler stream. */
  protected override setExtraState(state: StateDict): void {
    checkExtraKeys(state, 'ROI heads');
    loadRngStateTensors(this.samplerRng, state, 'sampler_rng', 'ROI heads');
  }

  /** Training: the named losses (the caller owns them). */
  losses(features: FeatureMaps, proposals: readonly Float32Array[], targets: readonly ImageTargets[]): ROIHeadsLosses {
    const sampled = this.labelAndSampleProposals(proposals, targets);
    const losses: ROIHeadsLosses = this.boxLosses(features, sampled);
    if (this.maskHead) losses.loss_mask = this.maskLoss(features, sampled, targets);
    return losses;
  }

  /** Per image: proposals (plus ground truth) matched and sampled for training. */
  labelAndSampleProposals(proposals: readonly Float32Array[], targets: readonly ImageTargets[]): SampledProposals[] {
    if (targets.length !== proposals.length) throw new Error(`ROI heads: ${targets.length} targets for ${proposals.length} images`);
    const options = {
      numClasses: this.numClasses,
      matcher: this.matcher,
      batchSizePerImage: this.o.batchSizePerImage,
      positiveFraction: this.o.positiveFraction,
      appendGroundTruth: this.o.proposalAppendGt,
      crowdIgnoreIoF: this.o.crowdIgnoreIoF,
    };
    return proposals.map((p, n) => labelAndSampleProposals(p, targets[n]!, options, this.samplerRng));
  }

  /** Box branch losses: pooled sampled RoIs → box head → predictor → loss_cls, loss_box_reg. */
  boxLosses(features: FeatureMaps, sampled: readonly SampledProposals[]): FastRCNNLosses {
    const maps = this.levels(features);
    return tf.tidy(() => {
      const pooled = this.boxPooler.pool(maps, sampled.map((s) => s.boxes));
      const { scores, deltas } = this.boxPredictor.forward(this.boxHead.forward(pooled));
      return this.boxPredictor.losses(scores, deltas, sampled);
    });
  }

  /** Inference: detections per image in the coordinates of the image the model saw. */
  inference(features: FeatureMaps, proposals: readonly Float32Array[], imageSizes: readonly ImageSize[]): ImageDetections[] {
    const maps = this.levels(features);
    if (proposals.every((p) => p.length === 0)) {
      const empty = { boxes: new Float32Array(0), scores: new Float32Array(0), labels: new Int32Array(0) };
      const masks = this.maskHead ? { maskProbs: new Float32Array(0), maskSize: 2 * this.maskOptions!.poolerResolution } : {};
      return proposals.map(() => ({ ...empty, ...masks }));
    }
    const pooled = this.boxPooler.pool(maps, proposals);
    const { scores, deltas } = tf.tidy(() => this.boxPredictor.forward(this.boxHead.forward(pooled)));
    pooled.dispose();
    const detections = this.boxPredictor.inference(scores, deltas, proposals, imageSizes);
    tf.dispose([scores, deltas]);
    if (!this.maskHead) return detections;
    const total = detections.reduce((n, d) => n + d.labels.length, 0);
    const size = 2 * this.maskOptions!.poolerResolution;
    if (total === 0) return detections.map((d) => ({ ...d, maskProbs: new Float32Array(0), maskSize: size }));
    const logits = tf.tidy(() => this.maskHead!.forward(this.maskPooler!.pool(maps, detections.map((d) => d.boxes))));
    const probs = maskRcnnInference(logits, Int32Array.from(detections.flatMap((d) => Array.from(d.labels))));
    logits.dispose();
    let offset = 0;
    return detections.map((d) => {
      const count = d.labels.length * size * size;
      const maskProbs = probs.slice(offset, offset + count);
      offset += count;
      return { ...d, maskProbs, maskSize: size };
    });
  }

  /**
   * Mask branch loss on the foreground RoIs (at most maxPositivesPerImage per image, chosen at
   * random), with targets cropped from the ground-truth masks; 0 when there are none.
   */
  maskLoss(features: FeatureMaps, sampled: readonly SampledProposals[], targets: readonly ImageTargets[]): tf.Scalar {
    if (!this.maskHead) throw new Error('ROI heads: no mask head');
    const maps = this.levels(features);
    const size = 2 * this.maskOptions!.poolerResolution;
    const cap = this.maskOptions!.maxPositivesPerImage;
    const boxes: Float32Array[] = [];
    const classes: number[] = [];
    const targetParts: Float32Array[] = [];
    sampled.forEach((s, n) => {
      let rows: Int32Array = Int32Array.from({ length: s.numForeground }, (_, i) => i);
      if (cap !== null && rows.length > cap) {
        rows = subsampleLabels(new Int8Array(rows.length).fill(1), { numSamples: cap, positiveFraction: 1, bgLabel: 0 }, this.samplerRng).positive;
      }
      const masks = targets[n]!.masks;
      if (rows.length > 0 && !masks) throw new Error('mask head: training needs ground-truth masks (targets[i].masks)');
      const imageBoxes = new Float32Array(rows.length * 4);
      rows.forEach((r, j) => imageBoxes.set(s.boxes.subarray(4 * r, 4 * r + 4), 4 * j));
      boxes.push(imageBoxes);
      for (const r of rows) classes.push(s.gtClasses[r]!);
      if (rows.length > 0) targetParts.push(maskTargets(masks!, imageBoxes, Int32Array.from(rows, (r) => s.matchedGt[r]!), { size }));
    });
    if (classes.length === 0) return tf.scalar(0);
    return tf.tidy(() => {
      const logits = this.maskHead!.forward(this.maskPooler!.pool(maps, boxes));
      return maskRcnnLoss(logits, classes, concatFloat32(targetParts));
    });
  }

  private levels(features: FeatureMaps): tf.Tensor4D[] {
    return this.inFeatures.map((name) => {
      const f = features[name];
      if (!f) throw new Error(`ROI heads: missing feature "${name}"`);
      return f;
    });
  }
}
