import * as tf from '@tensorflow/tfjs-core';
import { Module, Rng, type StateDict } from '@kestrel/runtime';
import {
  Box2BoxTransform,
  DefaultAnchorGenerator,
  Matcher,
  sigmoidBinaryCrossEntropy,
  smoothL1Loss,
  type BoxCoderWeights,
} from '@kestrel/ops';
import { concatFloat32 } from '../box-arrays';
import { definedOnly } from '../options';
import { checkExtraKeys, loadRngStateTensors, rngStateTensors } from '../rng-state';
import type { FeatureMaps, FeatureShape, ImageSize, ImageTargets, Proposals } from '../types';
import { labelAndSampleAnchors } from './anchor-targets';
import { findTopProposals } from './proposals';
import { StandardRPNHead } from './rpn-head';

/** Options of the region proposal network; every default is detectron2's (Base-RCNN-FPN). */
export interface RPNOptions {
  /** Shapes of the feature maps by name (the FPN's `outputShapes`). */
  inputShapes: Readonly<Record<string, FeatureShape>>;
  /** Levels the RPN runs on, finest first. Default ['p2', 'p3', 'p4', 'p5', 'p6']. */
  inFeatures?: readonly string[];
  /** Anchor sizes per level (one list per level, or one list for all). Default [[32], [64], [128], [256], [512]]. */
  anchorSizes?: readonly (readonly number[])[];
  /** Anchor aspect ratios h/w. Default [0.5, 1, 2]. */
  aspectRatios?: readonly number[];
  /** Anchor centre offset within a cell (0 = on grid points). Default 0. */
  anchorOffset?: number;
  /** [negative below, positive from] IoU thresholds. Default [0.3, 0.7]. */
  iouThresholds?: readonly [number, number];
  /** Anchors sampled per image for the losses. Default 256. */
  batchSizePerImage?: number;
  /** Largest positive fraction of the sample. Default 0.5. */
  positiveFraction?: number;
  /** Box coder weights. Default [1, 1, 1, 1]. */
  boxWeights?: BoxCoderWeights;
  /** Smooth-L1 β of the box loss; 0 is L1. Default 0. */
  smoothL1Beta?: number;
  /** Top anchors per level before NMS while training. Default 2000. */
  preNmsTopKTrain?: number;
  /** Top anchors per level before NMS at inference. Default 1000. */
  preNmsTopKTest?: number;
  /** Proposals kept per image while training. Default 1000. */
  postNmsTopKTrain?: number;
  /** Proposals kept per image at inference. Default 1000. */
  postNmsTopKTest?: number;
  /** NMS IoU threshold (per level). Default 0.7. */
  nmsThreshold?: number;
  /** Proposals not wider and taller than this are dropped. Default 0. */
  minBoxSize?: number;
  /**
   * Background anchors with at least this fraction of their area inside a crowd box are ignored
   * (neither positive nor negative). null disables it. Default 0.5 (detectron2 drops crowd
   * annotations instead, which makes crowd regions background).
   */
  crowdIgnoreIoF?: number | null;
  /** Initialisation and sampling randomness. Default seed 0. */
  rng?: Rng;
}

export const RPN_DEFAULTS = {
  inFeatures: ['p2', 'p3', 'p4', 'p5', 'p6'],
  anchorSizes: [[32], [64], [128], [256], [512]],
  aspectRatios: [0.5, 1, 2],
  anchorOffset: 0,
  iouThresholds: [0.3, 0.7],
  batchSizePerImage: 256,
  positiveFraction: 0.5,
  boxWeights: [1, 1, 1, 1],
  smoothL1Beta: 0,
  preNmsTopKTrain: 2000,
  preNmsTopKTest: 1000,
  postNmsTopKTrain: 1000,
  postNmsTopKTest: 1000,
  nmsThreshold: 0.7,
  minBoxSize: 0,
  crowdIgnoreIoF: 0.5,
} as const;

// Type aliases (not interfaces), so loss maps are tf.NamedTensorMaps and pass through tf.tidy.
export type RPNLosses = {
  loss_rpn_cls: tf.Scalar;
  loss_rpn_loc: tf.Scalar;
};

export interface RPNOutput {
  /** Per image, detached from the graph. */
  proposals: Proposals[];
  /** Only in training mode. */
  losses?: RPNLosses;
}

/**
 * Region proposal network (detectron2 `RPN`): a shared head over the pyramid levels, anchors
 * matched to ground truth and sampled for the objectness (BCE) and box (L1) losses, both
 * divided by batchSizePerImage × images, and proposals by per-level top-k and NMS.
 */
export class RPN extends Module {
  readonly head: StandardRPNHead;
  readonly anchorGenerator: DefaultAnchorGenerator;
  readonly inFeatures: readonly string[];
  private readonly options: Required<Omit<RPNOptions, 'rng' | 'inputShapes'>>;
  private readonly matcher: Matcher;
  private readonly boxCoder: Box2BoxTransform;
  private readonly samplerRng: Rng;

  constructor(options: RPNOptions) {
    super();
    const { rng = new Rng(0), inputShapes, ...rest } = options;
    this.options = { ...RPN_DEFAULTS, ...definedOnly(rest) } as Required<Omit<RPNOptions, 'rng' | 'inputShapes'>>;
    const o = this.options;
    this.inFeatures = [...o.inFeatures];
    const shapes = this.inFeatures.map((name) => {
      const shape = inputShapes[name];
      if (!shape) throw new Error(`RPN: input feature "${name}" is not among ${Object.keys(inputShapes).join(', ')}`);
      return shape;
    });
    const channels = new Set(shapes.map((s) => s.channels));
    if (channels.size !== 1) throw new Error(`RPN: every input level needs the same channels (a shared head), got ${[...channels].join(', ')}`);
    this.anchorGenerator = new DefaultAnchorGenerator({
      sizes: o.anchorSizes,
      aspectRatios: o.aspectRatios,
      strides: shapes.map((s) => s.stride),
      offset: o.anchorOffset,
    });
    const perLocation = new Set(this.anchorGenerator.numAnchorsPerLocation);
    if (perLocation.size !== 1) throw new Error('RPN: every level needs the same number of anchors per location (a shared head)');
    this.head = this.registerModule('rpn_head', new StandardRPNHead({ inChannels: shapes[0]!.channels, numAnchors: [...perLocation][0]!, rng: rng.fork('rpn_head') }));
    this.matcher = new Matcher({ thresholds: [...o.iouThresholds], labels: [0, -1, 1], allowLowQualityMatches: true });
    this.boxCoder = new Box2BoxTransform({ weights: o.boxWeights });
    this.samplerRng = rng.fork('sampler');
  }

  /** The anchor sampler's RNG position (`_extra_state.sampler_rng.*`), for an exact resume. */
  protected override getExtraState(): StateDict {
    return rngStateTensors(this.samplerRng, 'sampler_rng');
  }

  /** Empty state (a checkpoint without it) keeps the current sampler stream. */
  protected override setExtraState(state: StateDict): void {
    checkExtraKeys(state, 'RPN');
    loadRngStateTensors(this.samplerRng, state, 'sampler_rng', 'RPN');
  }

  /**
   * Proposals for every image; in training mode (targets required) also the losses. Returned
   * loss tensors belong to the caller; nothing else stays allocated.
   */
  forward(features: FeatureMaps, imageSizes: readonly ImageSize[], targets?: readonly ImageTargets[]): RPNOutput {
    const maps = this.inFeatures.map((name) => {
      const f = features[name];
      if (!f) throw new Error(`RPN: missing feature "${name}"`);
      return f;
    });
    const numImages = maps[0]!.shape[0];
    if (imageSizes.length !== numImages) throw new Error(`RPN: ${imageSizes.length} image sizes for a batch of ${numImages}`);
    const anchors = this.anchorGenerator.gridAnchors(maps.map((m) => [m.shape[1], m.shape[2]] as const));
    const o = this.options;

    const { logits, deltas } = this.head.forward(maps);
    try {
      // Proposals from plain values: no gradient flows through them.
      const logitValues = logits.map((t) => t.dataSync() as Float32Array);
      const deltaValues = deltas.map((t) => t.dataSync() as Float32Array);
      const proposalOptions = {
        preNmsTopK: this.training ? o.preNmsTopKTrain : o.preNmsTopKTest,
        postNmsTopK: this.training ? o.postNmsTopKTrain : o.postNmsTopKTest,
        nmsThreshold: o.nmsThreshold,
        minBoxSize: o.minBoxSize,
        boxWeights: o.boxWeights,
      };
      const proposals = imageSizes.map((size, n) => {
        const levels = anchors.map((a, l) => {
          const count = a.length / 4;
          return {
            anchors: a,
            logits: logitValues[l]!.subarray(n * count, (n + 1) * count),
            deltas: deltaValues[l]!.subarray(4 * n * count, 4 * (n + 1) * count),
          };
        });
        return findTopProposals(levels, size, proposalOptions);
      });
      if (!this.training) return { proposals };
      if (!targets || targets.length !== numImages) throw new Error('RPN: training needs targets for every image');
      const losses = tf.tidy(() => this.losses(tf.concat(logits, 1), tf.concat(deltas, 1), concatFloat32(anchors), targets));
      return { proposals, losses };
    } finally {
      tf.dispose([...logits, ...deltas]);
    }
  }

  /** detectron2 `RPN.losses` over the anchors of every level (concatenated in level order). */
  private losses(logits: tf.Tensor2D, deltas: tf.Tensor3D, anchors: Float32Array, targets: readonly ImageTargets[]): RPNLosses {
    const o = this.options;
    const [numImages, numAnchors] = logits.shape;
    const valid: number[] = [];
    const validLabels: number[] = [];
    const positive: number[] = [];
    const positiveAnchors: number[] = [];
    const positiveGt: number[] = [];
    targets.forEach((target, n) => {
      const { labels, matchedBoxes } = labelAndSampleAnchors(
        anchors,
        target,
        { matcher: this.matcher, batchSizePerImage: o.batchSizePerImage, positiveFraction: o.positiveFraction, crowdIgnoreIoF: o.crowdIgnoreIoF },
        this.samplerRng,
      );
      for (let i = 0; i < numAnchors; i++) {
        if (labels[i] === -1) continue;
        valid.push(n * numAnchors + i);
        validLabels.push(labels[i]!);
        if (labels[i] === 1) {
          positive.push(n * numAnchors + i);
          for (let c = 0; c < 4; c++) {
            positiveAnchors.push(anchors[4 * i + c]!);
            positiveGt.push(matchedBoxes[4 * i + c]!);
          }
        }
      }
    });
    const normalizer = o.batchSizePerImage * numImages;
    const objectness = tf.gather(tf.reshape(logits, [-1]), tf.tensor1d(valid, 'int32'));
    const lossCls = tf.div(sigmoidBinaryCrossEntropy(objectness, tf.tensor1d(validLabels, 'float32'), { reduction: 'sum' }), normalizer);
    const predicted = tf.gather(tf.reshape(deltas, [-1, 4]), tf.tensor1d(positive, 'int32')) as tf.Tensor2D;
    const count = positive.length;
    const gtDeltas = this.boxCoder.getDeltas(tf.tensor2d(positiveAnchors, [count, 4]), tf.tensor2d(positiveGt, [count, 4]));
    const lossLoc = tf.div(smoothL1Loss(predicted, gtDeltas, { beta: o.smoothL1Beta, reduction: 'sum' }), normalizer);
    return { loss_rpn_cls: lossCls as tf.Scalar, loss_rpn_loc: lossLoc as tf.Scalar };
  }
}

