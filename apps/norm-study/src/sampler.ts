/**
 * The order in which a seed presents training crops: an endless stream of seeded per-epoch
 * permutations, each crop with a seeded flip. The stream does not depend on the batch size, so
 * at one seed every batch size (and every norm) sees the same images in the same order; only
 * how they are grouped into batches differs.
 */
import { Rng } from '@kestrel/runtime';

export interface SampledCrop {
  index: number;
  /** Mirror left–right (shapes are symmetric under flips, so this is label-preserving). */
  flip: boolean;
}

export class CropStream {
  private readonly order: Rng;
  private readonly flips: Rng;
  private epoch: number[] = [];
  private position = 0;

  constructor(
    readonly count: number,
    seed: number,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`sampler: need at least one crop, got ${count}`);
    const rng = new Rng(seed).fork('data');
    this.order = rng.fork('order');
    this.flips = rng.fork('flip');
  }

  next(n: number): SampledCrop[] {
    const out: SampledCrop[] = [];
    while (out.length < n) {
      if (this.position >= this.epoch.length) {
        this.epoch = this.order.permutation(this.count);
        this.position = 0;
      }
      out.push({ index: this.epoch[this.position++]!, flip: this.flips.random() < 0.5 });
    }
    return out;
  }
}

/** Copies the sampled crops (NHWC, `size`² × 3 each) into one batch buffer, flipping as drawn. */
export function gatherCrops(images: Float32Array, size: number, crops: readonly SampledCrop[]): Float32Array {
  const pixels = size * size * 3;
  const out = new Float32Array(crops.length * pixels);
  crops.forEach(({ index, flip }, b) => {
    const src = index * pixels;
    const dst = b * pixels;
    if (!flip) {
      out.set(images.subarray(src, src + pixels), dst);
      return;
    }
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const from = src + (y * size + (size - 1 - x)) * 3;
        const to = dst + (y * size + x) * 3;
        out[to] = images[from]!;
        out[to + 1] = images[from + 1]!;
        out[to + 2] = images[from + 2]!;
      }
    }
  });
  return out;
}
