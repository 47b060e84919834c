/**
 * COCO run-length encoding: runs over the mask in column-major order, alternating 0s and 1s,
 * starting with 0s. The string form is pycocotools' (LEB128-like, 5 bits per character,
 * offset 48, counts after the second stored as differences to the count two places back).
 *
 * NOTE(dedupe): `@kestrel/coco-eval` implements the same pycocotools RLE; this is the minimum
 * the data pipeline needs, kept until that library is available to import.
 */
import type { RleObject } from '../coco/types';
import type { Bitmap } from './bitmap';

const { floor } = Math; // global lookups are slow inside Jest's vm contexts

/** Parses a compressed RLE string into run lengths (pycocotools `rleFrString`). */
export function rleCountsFromString(text: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new Error('compressed RLE string ends in the middle of a count');
      const c = text.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`compressed RLE string has an invalid character ${JSON.stringify(text[p])}`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10) !== 0) x -= 2 ** (5 * k); // sign-extend a negative difference
    }
    if (counts.length > 2) x += counts[counts.length - 2] as number;
    if (x < 0) throw new Error(`compressed RLE string decodes to a negative run length (${x})`);
    counts.push(x);
  }
  return counts;
}

/** Compressed RLE string of run lengths (pycocotools `rleToString`). */
export function rleCountsToString(counts: readonly number[]): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = (counts[i] as number) - (i > 2 ? (counts[i - 2] as number) : 0);
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x = Math.floor(x / 32);
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/** Run lengths of an RLE object, checked against its size. */
export function rleCounts(rle: RleObject): number[] {
  const counts = typeof rle.counts === 'string' ? rleCountsFromString(rle.counts) : rle.counts;
  const [h, w] = rle.size;
  let total = 0;
  for (const c of counts) total += c;
  if (total !== h * w) throw new Error(`RLE runs sum to ${total}, expected height × width = ${h * w}`);
  return counts;
}

/** Number of foreground pixels. */
export function rleArea(rle: RleObject): number {
  const counts = rleCounts(rle);
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i] as number;
  return area;
}

/** Sets (to 1) the foreground pixels of column-major runs in a row-major bitmap. */
export function paintRuns(counts: readonly number[], bitmap: Bitmap): void {
  const { height: h, width: w, data } = bitmap;
  let p = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (i % 2 === 1) {
      let x = floor(p / h);
      let y = p - x * h;
      for (let n = 0; n < c; n++) {
        data[y * w + x] = 1;
        if (++y === h) {
          y = 0;
          x++;
        }
      }
    }
    p += c;
  }
}

/** Decodes an RLE object into a row-major bitmap. */
export function decodeRle(rle: RleObject): Bitmap {
  const [height, width] = rle.size;
  const bitmap: Bitmap = { height, width, data: new Uint8Array(height * width) };
  paintRuns(rleCounts(rle), bitmap);
  return bitmap;
}

/** Encodes a row-major bitmap as an RLE object with plain (uncompressed) counts. */
export function encodeRle(bitmap: Bitmap): RleObject {
  const { height: h, width: w, data } = bitmap;
  const counts: number[] = [];
  let previous = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = data[y * w + x] ? 1 : 0;
      if (v !== previous) {
        counts.push(run);
        run = 0;
        previous = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [h, w], counts };
}
