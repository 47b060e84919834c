/**
 * COCO run-length encoding: runs over the mask in column-major order, alternating 0s and 1s,
 * starting with 0s; `counts` is a plain list or pycocotools' compressed string.
 *
 * The encoding itself is `@kestrel/coco-eval`'s (bit-compatible with pycocotools' maskApi.c);
 * this module only adapts between the COCO JSON form the data pipeline carries
 * ({@link RleObject}, a {@link Bitmap}) and coco-eval's typed-array `Rle`.
 */
import {
  decodeRle as decodeCocoRle,
  encodeMask,
  rleArea as cocoRleArea,
  rleFromString,
  rleToString,
  type Rle,
} from '@kestrel/coco-eval';
import type { RleObject } from '../coco/types';
import type { Bitmap } from './bitmap';

/** Parses a compressed RLE string into run lengths (pycocotools `rleFrString`). */
export function rleCountsFromString(text: string): number[] {
  return Array.from(rleFromString(text, 0, 0).counts);
}

/** Compressed RLE string of run lengths (pycocotools `rleToString`). */
export function rleCountsToString(counts: readonly number[]): string {
  return rleToString({ height: 0, width: 0, counts: Uint32Array.from(counts) });
}

/** An RLE object as coco-eval's `Rle`, its runs checked against its size. */
function toCocoEvalRle(rle: RleObject): Rle {
  const [height, width] = rle.size;
  const counts = typeof rle.counts === 'string' ? rleFromString(rle.counts, height, width).counts : rle.counts;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] as number;
  if (total !== height * width) throw new Error(`RLE runs sum to ${total}, expected height × width = ${height * width}`);
  return { height, width, counts: counts instanceof Uint32Array ? counts : Uint32Array.from(counts) };
}

/** Run lengths of an RLE object, checked against its size. */
export function rleCounts(rle: RleObject): number[] {
  return Array.from(toCocoEvalRle(rle).counts);
}

/** Number of foreground pixels. */
export function rleArea(rle: RleObject): number {
  return cocoRleArea(toCocoEvalRle(rle));
}

/** Decodes an RLE object into a row-major bitmap. */
export function decodeRle(rle: RleObject): Bitmap {
  const [height, width] = rle.size;
  return { height, width, data: decodeCocoRle(toCocoEvalRle(rle)) };
}

/** Encodes a row-major bitmap as an RLE object with plain (uncompressed) counts. */
export function encodeRle(bitmap: Bitmap): RleObject {
  const { height, width } = bitmap;
  return { size: [height, width], counts: Array.from(encodeMask(bitmap.data, height, width).counts) };
}
