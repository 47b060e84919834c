import type { Rng } from '@kestrel/runtime';
import { pickShortEdge, resizeShape, type ResizeOptions } from './resize';

/** Geometric augmentation of one image, decided before decoding so sharp can apply it. */
export interface AugmentationPlan {
  /** Size from the COCO entry. */
  sourceHeight: number;
  sourceWidth: number;
  /** Size after resizing (before padding). */
  height: number;
  width: number;
  /** Mirror left ↔ right (applied after the resize, as in detectron2). */
  flip: boolean;
}

export interface AugmentationOptions extends ResizeOptions {
  /** Probability of a horizontal flip. Default 0. */
  flipProbability?: number;
}

/** detectron2's training defaults: short side one of 640…800 (step 32), max 1333, flip 0.5. */
export const DETECTRON2_TRAIN_AUGMENTATION: Readonly<AugmentationOptions> = Object.freeze({
  shortEdge: [640, 672, 704, 736, 768, 800],
  maxSize: 1333,
  sampleStyle: 'choice',
  flipProbability: 0.5,
});

/** detectron2's test-time resize: short side 800, max 1333, no flip. */
export const DETECTRON2_TEST_AUGMENTATION: Readonly<AugmentationOptions> = Object.freeze({
  shortEdge: 800,
  maxSize: 1333,
  flipProbability: 0,
});

export function planAugmentation(
  height: number,
  width: number,
  options: AugmentationOptions,
  rng: Rng,
): AugmentationPlan {
  const shortEdge = pickShortEdge(options, rng);
  const [outH, outW] = resizeShape(height, width, shortEdge, options.maxSize ?? Infinity);
  const p = options.flipProbability ?? 0;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`flipProbability: expected a number in [0, 1], got ${p}`);
  // Always draw, so the flip decision does not depend on whether the size was a list.
  const flip = rng.random() < p;
  return { sourceHeight: height, sourceWidth: width, height: outH, width: outW, flip };
}
