import type { Rng } from '@kestrel/runtime';
import { Matcher, pairwiseIoUArray, selectBoxesArray, subsampleLabels } from '@kestrel/ops';
import { concatFloat32, maxIntersectionOverAreaArray } from '../box-arrays';
import type { ImageTargets } from '../types';

export interface ProposalSamplingOptions {
  numClasses: number;
  /** IoU matcher: threshold [0.5], labels [0, 1], no low-quality matches. */
  matcher: Matcher;
  /** RoIs per image. detectron2: 512. */
  batchSizePerImage: number;
  /** Largest foreground fraction. detectron2: 0.25. */
  positiveFraction: number;
  /** Add the ground-truth boxes to the proposals (detectron2: true). */
  appendGroundTruth: boolean;
  /** Background proposals this much inside a crowd box are not sampled; null disables. */
  crowdIgnoreIoF: number | null;
}

/** The sampled RoIs of one image: foreground first, then background (detectron2's order). */
export interface SampledProposals {
  /** R × 4 proposal boxes. */
  boxes: Float32Array;
  /** R class targets; numClasses means background. */
  gtClasses: Int32Array;
  /** R × 4 matched ground-truth boxes (regression targets; meaningful for foreground only). */
  gtBoxes: Float32Array;
  /** R indices into the image's ground truth; −1 for background. */
  matchedGt: Int32Array;
  /** Foreground RoIs are 0…numForeground − 1. */
  numForeground: number;
}

/**
 * detectron2's `StandardROIHeads.label_and_sample_proposals` for one image: append the ground
 * truth to the proposals, match by IoU (≥ 0.5 foreground), label background as numClasses,
 * and sample batchSizePerImage RoIs with at most positiveFraction foreground.
 */
export function labelAndSampleProposals(
  proposals: Float32Array,
  targets: ImageTargets,
  options: ProposalSamplingOptions,
  rng: Rng,
): SampledProposals {
  const boxes = options.appendGroundTruth ? concatFloat32([proposals, targets.boxes]) : proposals;
  const numBoxes = boxes.length / 4;
  const numGt = targets.boxes.length / 4;
  const { matches, labels } = options.matcher.match({ values: pairwiseIoUArray(targets.boxes, boxes), rows: numGt, cols: numBoxes });
  const bg = options.numClasses;
  const classes = new Int32Array(numBoxes);
  for (let i = 0; i < numBoxes; i++) {
    classes[i] = numGt === 0 || labels[i] === 0 ? bg : labels[i] === -1 ? -1 : targets.labels[matches[i]!]!;
  }
  const crowd = targets.crowdBoxes;
  if (options.crowdIgnoreIoF !== null && crowd !== undefined && crowd.length > 0) {
    const iof = maxIntersectionOverAreaArray(boxes, crowd);
    for (let i = 0; i < numBoxes; i++) if (classes[i] === bg && iof[i]! >= options.crowdIgnoreIoF) classes[i] = -1;
  }
  const { positive, negative } = subsampleLabels(
    classes,
    { numSamples: options.batchSizePerImage, positiveFraction: options.positiveFraction, bgLabel: bg },
    rng,
  );
  const sampled = Int32Array.from([...positive, ...negative]);
  const matchedGt = Int32Array.from(sampled, (i) => (classes[i] === bg ? -1 : matches[i]!));
  return {
    boxes: selectBoxesArray(boxes, sampled),
    gtClasses: Int32Array.from(sampled, (i) => classes[i]!),
    gtBoxes: numGt > 0 ? selectBoxesArray(targets.boxes, Int32Array.from(sampled, (i) => matches[i]!)) : new Float32Array(sampled.length * 4),
    matchedGt,
    numForeground: positive.length,
  };
}
