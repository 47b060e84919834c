/**
 * Learning-rate scaling and schedule. Everything is expressed in images seen, not steps, so
 * every batch size follows the same curve over the same data: with the linear scaling rule
 * (Goyal et al. 2017) the learning rate per image is the same at every batch size.
 */

/** Linear scaling rule: `baseLr` is the rate at `referenceBatch`; batch B trains at baseLr·B/referenceBatch. */
export function scaledLr(baseLr: number, batchSize: number, referenceBatch: number): number {
  if (!(baseLr > 0)) throw new RangeError(`lr must be > 0, got ${baseLr}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  if (!(referenceBatch > 0)) throw new RangeError(`reference batch must be > 0, got ${referenceBatch}`);
  return (baseLr * batchSize) / referenceBatch;
}

/** Training steps that see `images` images at `batchSize` (whole batches only). */
export function stepsFor(images: number, batchSize: number): number {
  if (!Number.isInteger(images) || images < 1) throw new RangeError(`images must be a positive integer, got ${images}`);
  const steps = Math.floor(images / batchSize);
  if (steps < 1) throw new RangeError(`${images} images are fewer than one batch of ${batchSize}`);
  return steps;
}

/** Rounds `images` up to a multiple of every batch size, so all cells see exactly the same images. */
export function commonImageCount(images: number, batchSizes: readonly number[]): number {
  const lcm = batchSizes.reduce((a, b) => (a * b) / gcd(a, b), 1);
  return Math.ceil(images / lcm) * lcm;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export interface ScheduleOptions {
  /** Images over which the rate warms up linearly from `warmupStart`·lr to lr. */
  warmupImages: number;
  /** Starting factor of the warm-up. Default 0.1. */
  warmupStart?: number;
}

/**
 * Multiplier of the peak learning rate after `seen` of `total` images: linear warm-up, then
 * half-cosine decay to 0 at `total`. The value at the start of a step is used for the step.
 */
export function lrFactor(seen: number, total: number, options: ScheduleOptions): number {
  if (!(total > 0)) throw new RangeError(`total images must be > 0, got ${total}`);
  const warmup = Math.min(Math.max(0, options.warmupImages), total);
  const start = options.warmupStart ?? 0.1;
  const t = Math.min(Math.max(seen, 0), total);
  if (t < warmup) return start + ((1 - start) * t) / warmup;
  const decay = total - warmup;
  if (decay <= 0) return 1;
  return 0.5 * (1 + Math.cos((Math.PI * (t - warmup)) / decay));
}
