import type { Rng } from '@kestrel/runtime';

/**
 * Output (height, width) of detectron2's `ResizeShortestEdge`: scale the short side to
 * `shortEdge`; if the long side then exceeds `maxSize`, scale both down to fit; round each side
 * to the nearest integer. `shortEdge` 0 keeps the input size.
 */
export function resizeShape(height: number, width: number, shortEdge: number, maxSize = Infinity): [number, number] {
  if (shortEdge === 0) return [height, width];
  const scale = shortEdge / Math.min(height, width);
  let newH = height < width ? shortEdge : scale * height;
  let newW = height < width ? scale * width : shortEdge;
  const longest = Math.max(newH, newW);
  if (longest > maxSize) {
    const shrink = maxSize / longest;
    newH *= shrink;
    newW *= shrink;
  }
  return [Math.trunc(newH + 0.5), Math.trunc(newW + 0.5)];
}

export interface ResizeOptions {
  /**
   * Target short side: one size, or several for multi-scale training (one is drawn per image,
   * see `sampleStyle`). 0 keeps the input size.
   */
  shortEdge: number | readonly number[];
  /** Upper bound on the long side. Default: no bound. */
  maxSize?: number;
  /**
   * How a list of sizes is sampled (detectron2 `MIN_SIZE_TRAIN_SAMPLING`): `choice` picks one
   * of the listed sizes (default); `range` draws an integer between the first and the last.
   */
  sampleStyle?: 'choice' | 'range';
}

/** The short side to use for one image (seeded draw when `shortEdge` lists several). */
export function pickShortEdge(options: ResizeOptions, rng: Rng): number {
  const sizes = typeof options.shortEdge === 'number' ? [options.shortEdge] : options.shortEdge;
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new RangeError(`shortEdge: expected non-negative integers, got ${JSON.stringify(options.shortEdge)}`);
  }
  if (sizes.length === 1) return sizes[0] as number;
  if ((options.sampleStyle ?? 'choice') === 'range') {
    if (sizes.length !== 2) throw new RangeError(`shortEdge with sampleStyle "range": expected [min, max], got ${JSON.stringify(sizes)}`);
    return rng.integer(sizes[0] as number, (sizes[1] as number) + 1);
  }
  return sizes[rng.integer(0, sizes.length)] as number;
}
