/**
 * Polygon rasterisation with pycocotools' exact semantics (`rleFrPoly`): the outline is traced
 * on a 5× finer integer grid, and pixel (x, y) is inside when its centre (x + 0.5, y + 0.5)
 * lies below an odd number of boundary crossings in its column. COCO areas, pycocotools'
 * evaluation and detectron2's mask targets all use this rule, so Kestrel does too.
 *
 * NOTE(dedupe): `@kestrel/coco-eval` implements the same function; this copy exists until that
 * library can be imported.
 */
import type { Polygon, Segmentation } from '../coco/types';
import { isRle } from '../coco/types';
import { emptyBitmap, type Bitmap } from './bitmap';
import { decodeRle, paintRuns } from './rle';

const SCALE = 5;
// Module-level aliases: global lookups are slow inside Jest's vm contexts.
const { abs, ceil, floor, trunc } = Math;

/** Column-major run lengths of one polygon rasterised into an h × w grid. */
export function polygonToRleCounts(xy: ArrayLike<number>, height: number, width: number): number[] {
  const k = xy.length >> 1;
  // Vertices on the upsampled grid; C's (int) cast truncates toward zero.
  const x = new Float64Array(k + 1);
  const y = new Float64Array(k + 1);
  for (let j = 0; j < k; j++) {
    x[j] = trunc(SCALE * (xy[2 * j] as number) + 0.5);
    y[j] = trunc(SCALE * (xy[2 * j + 1] as number) + 0.5);
  }
  x[k] = x[0] as number;
  y[k] = y[0] as number;

  // Dense boundary points, one per step along the longer axis of each edge.
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j] as number;
    let xe = x[j + 1] as number;
    let ys = y[j] as number;
    let ye = y[j + 1] as number;
    const dx = abs(xe - xs);
    const dy = abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    if (dx >= dy) {
      const s = dx === 0 ? 0 : (ye - ys) / dx;
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(trunc(ys + s * t + 0.5));
      }
    } else {
      const s = (xe - xs) / dy;
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(trunc(xs + s * t + 0.5));
      }
    }
  }

  // Where the trace crosses a pixel-centre column, keep the crossing row (downsampled).
  const starts: number[] = [];
  for (let j = 1; j < u.length; j++) {
    const uj = u[j] as number;
    const uPrev = u[j - 1] as number;
    if (uj === uPrev) continue;
    let xd = uj < uPrev ? uj : uj - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = uj < uPrev ? (v[j] as number) : (v[j - 1] as number);
    yd = (yd + 0.5) / SCALE - 0.5;
    yd = ceil(yd < 0 ? 0 : yd > height ? height : yd);
    starts.push(xd * height + yd);
  }

  // Crossings are toggles in column-major order: sort, difference, and merge empty runs.
  starts.push(height * width);
  starts.sort((a, b) => a - b);
  let previous = 0;
  for (let j = 0; j < starts.length; j++) {
    const t = starts[j] as number;
    starts[j] = t - previous;
    previous = t;
  }
  const counts: number[] = [starts[0] as number];
  for (let j = 1; j < starts.length; ) {
    if ((starts[j] as number) > 0) counts.push(starts[j++] as number);
    else {
      j++;
      if (j < starts.length) counts[counts.length - 1] = (counts[counts.length - 1] as number) + (starts[j++] as number);
    }
  }
  return counts;
}

/** Union of polygons rasterised into an h × w bitmap (pycocotools `frPyObjects` + `merge`). */
export function polygonsToBitmap(polygons: readonly ArrayLike<number>[], height: number, width: number): Bitmap {
  const bitmap = emptyBitmap(height, width);
  for (const polygon of polygons) paintRuns(polygonToRleCounts(polygon, height, width), bitmap);
  return bitmap;
}

/** Any COCO segmentation as an h × w bitmap (an RLE must already have that size). */
export function segmentationToBitmap(segmentation: Segmentation, height: number, width: number): Bitmap {
  if (!isRle(segmentation)) return polygonsToBitmap(segmentation, height, width);
  const [h, w] = segmentation.size;
  if (h !== height || w !== width) throw new Error(`RLE size [${h}, ${w}] does not match the image [${height}, ${width}]`);
  return decodeRle(segmentation);
}

/** Geometric (shoelace) area of a simple polygon. */
export function polygonArea(xy: Polygon | ArrayLike<number>): number {
  const k = xy.length >> 1;
  let twice = 0;
  for (let i = 0; i < k; i++) {
    const j = (i + 1) % k;
    twice += (xy[2 * i] as number) * (xy[2 * j + 1] as number) - (xy[2 * j] as number) * (xy[2 * i + 1] as number);
  }
  return Math.abs(twice) / 2;
}
