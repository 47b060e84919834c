/**
 * Run-length encoded binary masks, bit-compatible with pycocotools' maskApi.c.
 *
 * Masks are h×w; runs go down columns (column-major / Fortran order), starting with a run of
 * zeros (possibly empty), alternating zeros and ones. Counts are uint32 as in maskApi.c.
 */
import { CocoInputError, describeValue } from './errors';

export interface Rle {
  readonly height: number;
  readonly width: number;
  readonly counts: Uint32Array;
}

/** COCO's JSON form: `counts` is the compressed string (rleToString) or the raw list. */
export interface CocoRleJson {
  size: [number, number];
  counts: string | number[];
}

/** Compressed RLE as written into COCO results files. */
export interface CompressedRle {
  size: [number, number];
  counts: string;
}

/**
 * Encodes a row-major h×w mask (`mask[offset + y * width + x]`, nonzero = foreground) the way
 * pycocotools' `encode` does for a Fortran-ordered array: runs are taken down columns.
 */
export function encodeMask(mask: ArrayLike<number>, height: number, width: number, offset = 0): Rle {
  if (mask.length - offset < height * width) {
    throw new RangeError(`encodeMask: mask has ${mask.length - offset} values from offset ${offset}, expected ${height}×${width}`);
  }
  const runs: number[] = [];
  let previous = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const value = mask[offset + y * width + x] ? 1 : 0;
      if (value !== previous) {
        runs.push(run);
        run = 0;
        previous = value;
      }
      run++;
    }
  }
  runs.push(run);
  return { height, width, counts: Uint32Array.from(runs) };
}

/** Decodes to a row-major h×w Uint8Array of 0/1. Throws when the runs overflow the mask. */
export function decodeRle(rle: Rle): Uint8Array {
  const { height, width, counts } = rle;
  const total = height * width;
  const columnMajor = new Uint8Array(total);
  let position = 0;
  let value = 0;
  for (let j = 0; j < counts.length; j++) {
    const end = position + counts[j]!;
    if (end > total) throw new RangeError('decodeRle: invalid RLE, runs exceed height × width');
    if (value) columnMajor.fill(1, position, end);
    position = end;
    value = 1 - value;
  }
  const rowMajor = new Uint8Array(total);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) rowMajor[y * width + x] = columnMajor[x * height + y]!;
  }
  return rowMajor;
}

/**
 * COCO's compressed string form (maskApi.c rleToString): LEB128-like, 5 bits per char plus a
 * continuation bit, chars 48..111; from the 4th count on, the difference to the count two
 * positions back is stored.
 */
export function rleToString(rle: Rle): string {
  const { counts } = rle;
  const chars: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    let more = true;
    while (more) {
      let c = ((x % 32) + 32) % 32; // x & 0x1f on a two's-complement long
      x = Math.floor(x / 32); // arithmetic shift right by 5
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      chars.push(c + 48);
    }
  }
  return charCodesToString(chars);
}

function charCodesToString(codes: readonly number[]): string {
  let text = '';
  // Chunked: spreading a very long array into fromCharCode would overflow the stack.
  for (let i = 0; i < codes.length; i += 8192) text += String.fromCharCode(...codes.slice(i, i + 8192));
  return text;
}

/** Inverse of rleToString (maskApi.c rleFrString). Throws RangeError on malformed strings. */
export function rleFromString(text: string, height: number, width: number): Rle {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new RangeError('compressed RLE string ends in the middle of a count');
      const c = text.charCodeAt(p) - 48;
      if (c < 0 || c > 63) {
        throw new RangeError(`compressed RLE string has an invalid character ${JSON.stringify(text[p])} at ${p}`);
      }
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k); // sign extension
    }
    const m = counts.length;
    if (m > 2) x += counts[m - 2]!;
    counts.push(((x % 2 ** 32) + 2 ** 32) % 2 ** 32); // (uint) cast
  }
  return { height, width, counts: Uint32Array.from(counts) };
}

export function toCompressedRle(rle: Rle): CompressedRle {
  return { size: [rle.height, rle.width], counts: rleToString(rle) };
}

/** Area (number of foreground pixels), summed in uint32 as maskApi.c rleArea. */
export function rleArea(rle: Rle): number {
  return rleCountsArea(rle.counts, 0, rle.counts.length);
}

export function rleCountsArea(counts: Uint32Array, start: number, length: number): number {
  let area = 0;
  for (let j = 1; j < length; j += 2) area = (area + counts[start + j]!) >>> 0;
  return area;
}

/** Bounding box [x, y, w, h] of the foreground (maskApi.c rleToBbox, pycocotools 2.0.11). */
export function rleToBbox(rle: Rle): [number, number, number, number] {
  const out = new Float64Array(4);
  rleCountsToBbox(rle.counts, 0, rle.counts.length, rle.height, rle.width, out, 0);
  return [out[0]!, out[1]!, out[2]!, out[3]!];
}

/** rleToBbox on a slice of a counts table, writing into `out[offset..offset+3]`. */
export function rleCountsToBbox(
  counts: Uint32Array,
  start: number,
  length: number,
  height: number,
  width: number,
  out: Float64Array,
  offset: number,
): void {
  const m = Math.floor(length / 2) * 2; // a trailing run of zeros does not matter
  if (m === 0 || height === 0) {
    out[offset] = out[offset + 1] = out[offset + 2] = out[offset + 3] = 0;
    return;
  }
  let xs = width;
  let ys = height;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  for (let j = 0; j < m; j++) {
    const runStart = cc;
    cc = (cc + counts[start + j]!) >>> 0;
    if (j % 2 === 0 || counts[start + j] === 0) continue; // background or empty foreground run
    const yStart = runStart % height;
    const xStart = (runStart - yStart) / height;
    const yEnd = (cc - 1) % height;
    const xEnd = (cc - 1 - yEnd) / height;
    xs = Math.min(xs, xStart);
    xe = Math.max(xe, xEnd);
    if (xStart < xEnd) {
      ys = 0; // the run crosses a column boundary
      ye = height - 1;
    } else {
      ys = Math.min(ys, yStart);
      ye = Math.max(ye, yEnd);
    }
  }
  out[offset] = xs;
  out[offset + 1] = ys;
  out[offset + 2] = (xe - xs + 1) >>> 0; // uint arithmetic, as in C (matters only without foreground)
  out[offset + 3] = (ye - ys + 1) >>> 0;
}

/**
 * Union (or intersection) of masks of one size (maskApi.c rleMerge). Masks of different sizes
 * give an empty 0×0 RLE, as pycocotools does.
 */
export function mergeRles(rles: readonly Rle[], intersect = false): Rle {
  if (rles.length === 0) return { height: 0, width: 0, counts: new Uint32Array(0) };
  const first = rles[0]!;
  const { height, width } = first;
  if (rles.length === 1) return { height, width, counts: first.counts.slice() };
  let current = first.counts;
  for (let i = 1; i < rles.length; i++) {
    const b = rles[i]!;
    if (b.height !== height || b.width !== width) return { height: 0, width: 0, counts: new Uint32Array(0) };
    current = mergeTwo(current, b.counts, intersect);
  }
  return { height, width, counts: current };
}

function mergeTwo(aCounts: Uint32Array, bCounts: Uint32Array, intersect: boolean): Uint32Array {
  const out = new Uint32Array(aCounts.length + bCounts.length + 1);
  let ca = aCounts.length > 0 ? aCounts[0]! : 0;
  let cb = bCounts.length > 0 ? bCounts[0]! : 0;
  let v = false;
  let va = false;
  let vb = false;
  let m = 0;
  let a = 1;
  let b = 1;
  let cc = 0;
  let ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    cc += c;
    ct = 0;
    ca -= c;
    if (!ca && a < aCounts.length) {
      ca = aCounts[a++]!;
      va = !va;
    }
    ct += ca;
    cb -= c;
    if (!cb && b < bCounts.length) {
      cb = bCounts[b++]!;
      vb = !vb;
    }
    ct += cb;
    const vp: boolean = v;
    v = intersect ? va && vb : va || vb;
    if (v !== vp || ct === 0) {
      out[m++] = cc;
      cc = 0;
    }
  }
  return out.slice(0, m);
}

/**
 * Parses a COCO RLE object ({size, counts}) with validation. Uncompressed counts go through
 * uint32 as pycocotools' frUncompressedRLE does.
 */
export function rleFromJson(value: unknown, source: string, entry: string): Rle {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CocoInputError(source, entry, `RLE segmentation must be an object {size, counts}, got ${describeValue(value)}`);
  }
  const { size, counts } = value as { size?: unknown; counts?: unknown };
  if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s))) {
    throw new CocoInputError(source, entry, `RLE size must be [height, width] integers, got ${describeValue(size)}`);
  }
  const [height, width] = size as [number, number];
  if (height < 0 || width < 0) {
    throw new CocoInputError(source, entry, `RLE size must not be negative, got ${describeValue(size)}`);
  }
  let rle: Rle;
  if (typeof counts === 'string') {
    try {
      rle = rleFromString(counts, height, width);
    } catch (error) {
      throw new CocoInputError(source, entry, `bad compressed RLE: ${(error as Error).message}`);
    }
  } else if (Array.isArray(counts)) {
    const out = new Uint32Array(counts.length);
    for (let i = 0; i < counts.length; i++) {
      const c: unknown = counts[i];
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 0xffffffff) {
        throw new CocoInputError(source, entry, `RLE counts[${i}] must be a non-negative integer, got ${describeValue(c)}`);
      }
      out[i] = c;
    }
    rle = { height, width, counts: out };
  } else {
    throw new CocoInputError(source, entry, `RLE counts must be a string or a list of integers, got ${describeValue(counts)}`);
  }
  let total = 0;
  for (let i = 0; i < rle.counts.length; i++) total += rle.counts[i]!;
  if (total !== height * width) {
    throw new CocoInputError(source, entry, `RLE counts add up to ${total} pixels but size is ${height}×${width} = ${height * width}`);
  }
  return rle;
}
