/**
 * Polygon → RLE rasterisation identical to pycocotools' maskApi.c rleFrPoly: the polygon is
 * upsampled 5×, its edges are walked pixel by pixel, and the x-crossings found on the coarse grid
 * become run boundaries. Integer conversions follow C (truncation toward zero, 32-bit ints).
 */
import type { Rle } from './rle';

const SCALE = 5;
const INT_MIN = -2147483648;

/**
 * Coordinates beyond ±10⁶ are rejected: the 5× upsampled edge walk would need gigabytes, and
 * maskApi.c's 32-bit ints would overflow (undefined behaviour in pycocotools).
 */
export const MAX_POLYGON_COORDINATE = 1e6;

/** C's `(int)` of a double on x86-64: truncation; NaN and out-of-range give INT_MIN (cvttsd2si). */
function cInt(value: number): number {
  if (!(value > -2147483649 && value < 2147483648)) return INT_MIN;
  return Math.trunc(value);
}

// Scratch buffers reused across calls (rasterising 500k box polygons must not allocate per point).
let walkU = new Int32Array(1024);
let walkV = new Int32Array(1024);
let crossings = new Uint32Array(256);

/**
 * Rasterises one polygon ring given as [x0, y0, x1, y1, …] on an h×w image, exactly as
 * maskApi.c rleFrPoly. Parts outside the image are clipped. Throws RangeError for non-finite
 * coordinates or coordinates beyond ±MAX_POLYGON_COORDINATE.
 */
export function polygonToRle(xy: ArrayLike<number>, height: number, width: number): Rle {
  const k = Math.floor(xy.length / 2);
  for (let j = 0; j < 2 * k; j++) {
    const value = xy[j]!;
    if (!(Math.abs(value) <= MAX_POLYGON_COORDINATE)) throw new RangeError(`polygon coordinate ${value} is not finite or beyond ±${MAX_POLYGON_COORDINATE}`);
  }
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) x[j] = cInt(SCALE * xy[j * 2]! + 0.5);
  x[k] = x[0]!;
  for (let j = 0; j < k; j++) y[j] = cInt(SCALE * xy[j * 2 + 1]! + 0.5);
  y[k] = y[0]!;

  // Dense boundary points of the upsampled polygon.
  let total = 0;
  for (let j = 0; j < k; j++) total += Math.max(Math.abs(x[j]! - x[j + 1]!), Math.abs(y[j]! - y[j + 1]!)) + 1;
  if (walkU.length < total) {
    walkU = new Int32Array(total * 2);
    walkV = new Int32Array(total * 2);
  }
  const u = walkU;
  const v = walkV;
  let m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j]!;
    let xe = x[j + 1]!;
    let ys = y[j]!;
    let ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs;
      xs = xe;
      xe = t;
      t = ys;
      ys = ye;
      ye = t;
    }
    // 0/0 gives NaN for a zero-length edge, as in C; that point shares its x with both
    // neighbours, so it is never used below. Other values are well inside the int32 range
    // (coordinates are bounded), where `| 0` is C's truncating (int) cast.
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = (ys + s * t + 0.5) | 0;
        m++;
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = (xs + s * t + 0.5) | 0;
        m++;
      }
    }
  }

  // Points where the boundary crosses a pixel-centre column, downsampled to the image grid, as
  // column-major positions x·h + y.
  let n = 0;
  for (let j = 1; j < m; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / SCALE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > height) yd = height;
    yd = Math.ceil(yd);
    if (n + 1 >= crossings.length) {
      const grown = new Uint32Array(crossings.length * 2);
      grown.set(crossings);
      crossings = grown;
    }
    crossings[n++] = (xd * height + yd) >>> 0;
  }

  // Sorted boundary positions → run lengths; empty runs are folded into their neighbours.
  crossings[n] = (height * width) >>> 0;
  const a = crossings.subarray(0, n + 1).sort();
  let previous = 0;
  for (let j = 0; j <= n; j++) {
    const t = a[j]!;
    a[j] = t - previous;
    previous = t;
  }
  const runs = new Uint32Array(n + 1);
  let r = 0;
  let j = 0;
  runs[r++] = a[j++]!;
  while (j <= n) {
    if (a[j]! > 0) {
      runs[r++] = a[j++]!;
    } else {
      j++;
      if (j <= n) runs[r - 1] += a[j++]!;
    }
  }
  return { height, width, counts: runs.slice(0, r) };
}

/** A box [x, y, w, h] as an RLE (maskApi.c rleFrBbox: the box's corners as a polygon). */
export function bboxToRle(bbox: ArrayLike<number>, height: number, width: number): Rle {
  const xs = bbox[0]!;
  const ys = bbox[1]!;
  const xe = xs + bbox[2]!;
  const ye = ys + bbox[3]!;
  return polygonToRle([xs, ys, xs, ye, xe, ye, xe, ys], height, width);
}
