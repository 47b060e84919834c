import type { Rng } from '@kestrel/runtime';

export interface SubsampleOptions {
  /** Total samples wanted (RPN: 256 per image; RoI heads: 512 per image). */
  numSamples: number;
  /** Largest fraction of `numSamples` that may be positive (RPN 0.5, RoI heads 0.25). */
  positiveFraction: number;
  /** The background label: 0 for RPN labels, the number of classes for RoI heads. */
  bgLabel: number;
}

export interface SampledIndices {
  /** Indices of the chosen positives, ascending. */
  positive: Int32Array;
  /** Indices of the chosen negatives, ascending. */
  negative: Int32Array;
}

/**
 * detectron2's `subsample_labels`: positives are labels that are neither −1 (ignore) nor
 * `bgLabel`; negatives equal `bgLabel`. Takes min(#pos, ⌊numSamples·positiveFraction⌋)
 * positives and fills the rest with negatives (as many as exist), each chosen uniformly at
 * random without replacement from `rng`. Same seed and labels → same indices.
 */
export function subsampleLabels(labels: ArrayLike<number>, options: SubsampleOptions, rng: Rng): SampledIndices {
  const { numSamples, positiveFraction, bgLabel } = options;
  if (!Number.isInteger(numSamples) || numSamples < 0) {
    throw new Error(`subsampleLabels: numSamples must be a non-negative integer, got ${numSamples}`);
  }
  if (!(positiveFraction >= 0 && positiveFraction <= 1)) {
    throw new Error(`subsampleLabels: positiveFraction must be in [0, 1], got ${positiveFraction}`);
  }
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label === bgLabel) negatives.push(i);
    else if (label !== -1) positives.push(i);
  }
  const numPositive = Math.min(positives.length, Math.floor(numSamples * positiveFraction));
  const numNegative = Math.min(negatives.length, numSamples - numPositive);
  return {
    positive: chooseSorted(positives, numPositive, rng),
    negative: chooseSorted(negatives, numNegative, rng),
  };
}

/** `count` items of `pool` chosen uniformly without replacement (partial Fisher–Yates), sorted. */
function chooseSorted(pool: number[], count: number, rng: Rng): Int32Array {
  for (let i = 0; i < count; i++) {
    const j = rng.integer(i, pool.length);
    const tmp = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = tmp;
  }
  return Int32Array.from(pool.slice(0, count)).sort();
}
