import type { Rng } from '@kestrel/runtime';
import { Matcher, pairwiseIoUArray, subsampleLabels } from '@kestrel/ops';
import { maxIntersectionOverAreaArray } from '../box-arrays';
import type { ImageTargets } from '../types';

export interface AnchorTargetOptions {
  /** IoU matcher with thresholds [0.3, 0.7], labels [0, −1, 1] and low-quality matches. */
  matcher: Matcher;
  /** Anchors sampled per image. */
  batchSizePerImage: number;
  /** Largest positive fraction of the sample. */
  positiveFraction: number;
  /**
   * Background anchors with at least this fraction of their area inside one crowd box are
   * ignored (−1) instead; null never ignores (detectron2, which drops crowd annotations).
   */
  crowdIgnoreIoF: number | null;
}

export interface AnchorTargets {
  /** Per anchor: 1 sampled positive, 0 sampled negative, −1 not sampled / ignored. */
  labels: Int8Array;
  /** Per anchor, the matched ground-truth box (zeros when the image has none). */
  matchedBoxes: Float32Array;
}

/**
 * detectron2's `RPN.label_and_sample_anchors` for one image: match anchors to ground truth by
 * IoU (≥ 0.7 positive, < 0.3 negative, each GT's best anchors positive too), ignore background
 * anchors inside crowd regions, then sample `batchSizePerImage` anchors, at most
 * `positiveFraction` of them positive.
 */
export function labelAndSampleAnchors(anchors: Float32Array, targets: ImageTargets, options: AnchorTargetOptions, rng: Rng): AnchorTargets {
  const numAnchors = anchors.length / 4;
  const numGt = targets.boxes.length / 4;
  const { matches, labels } = options.matcher.match({
    values: pairwiseIoUArray(targets.boxes, anchors),
    rows: numGt,
    cols: numAnchors,
  });
  const crowd = targets.crowdBoxes;
  if (options.crowdIgnoreIoF !== null && crowd !== undefined && crowd.length > 0) {
    const iof = maxIntersectionOverAreaArray(anchors, crowd);
    for (let i = 0; i < numAnchors; i++) if (labels[i] === 0 && iof[i]! >= options.crowdIgnoreIoF) labels[i] = -1;
  }
  const { positive, negative } = subsampleLabels(
    labels,
    { numSamples: options.batchSizePerImage, positiveFraction: options.positiveFraction, bgLabel: 0 },
    rng,
  );
  const sampled = new Int8Array(numAnchors).fill(-1);
  for (const i of positive) sampled[i] = 1;
  for (const i of negative) sampled[i] = 0;
  const matchedBoxes = new Float32Array(numAnchors * 4);
  if (numGt > 0) {
    for (let i = 0; i < numAnchors; i++) matchedBoxes.set(targets.boxes.subarray(4 * matches[i]!, 4 * matches[i]! + 4), 4 * i);
  }
  return { labels: sampled, matchedBoxes };
}
