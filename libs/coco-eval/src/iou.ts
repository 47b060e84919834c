/**
 * IoU between detections and ground truths, as maskApi.c bbIou / rleIou compute it (float64).
 * For a crowd ground truth the union is the detection's own area, so a detection inside a crowd
 * region scores high however large the region is.
 */
import { rleCountsArea } from './rle';

/**
 * Box IoU of one detection box and one ground-truth box, both [x, y, w, h] at the given offsets.
 * Returns 0 when they do not overlap.
 */
export function boxIou(dt: ArrayLike<number>, d: number, gt: ArrayLike<number>, g: number, crowd: boolean): number {
  const dx = dt[d]!;
  const dy = dt[d + 1]!;
  const dw = dt[d + 2]!;
  const dh = dt[d + 3]!;
  const gx = gt[g]!;
  const gy = gt[g + 1]!;
  const gw = gt[g + 2]!;
  const gh = gt[g + 3]!;
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const intersection = w * h;
  const dtArea = dw * dh;
  const union = crowd ? dtArea : dtArea + gw * gh - intersection;
  return intersection / union;
}

/**
 * IoU matrix [D×G] (row = detection) between boxes [x, y, w, h].
 * `crowd[g]` marks crowd ground truths.
 */
export function bboxIouMatrix(
  dtBoxes: ArrayLike<number>,
  gtBoxes: ArrayLike<number>,
  crowd: ArrayLike<number | boolean>,
  out = new Float64Array((dtBoxes.length / 4) * (gtBoxes.length / 4)),
): Float64Array {
  const numDt = dtBoxes.length / 4;
  const numGt = gtBoxes.length / 4;
  for (let d = 0; d < numDt; d++) {
    for (let g = 0; g < numGt; g++) out[d * numGt + g] = boxIou(dtBoxes, d * 4, gtBoxes, g * 4, Boolean(crowd[g]));
  }
  return out;
}

/** Run-length masks stored back to back: object i has counts[start[i] .. start[i+1]). */
export interface RleTable {
  readonly height: Int32Array;
  readonly width: Int32Array;
  readonly start: Int32Array;
  readonly counts: Uint32Array;
  /** rleToBbox of each mask, [x, y, w, h] per object. */
  readonly box: Float64Array;
}

/**
 * Mask IoU of detection `d` in `dts` and ground truth `g` in `gts` (maskApi.c rleIou): boxes
 * first (no box overlap → 0), -1 when the mask sizes differ, else walks both run lists.
 */
export function rleIou(dts: RleTable, d: number, gts: RleTable, g: number, crowd: boolean): number {
  if (!(boxIou(dts.box, d * 4, gts.box, g * 4, crowd) > 0)) return 0;
  if (dts.height[d] !== gts.height[g] || dts.width[d] !== gts.width[g]) return -1;
  const aCounts = dts.counts;
  const aStart = dts.start[d]!;
  const ka = dts.start[d + 1]! - aStart;
  const bCounts = gts.counts;
  const bStart = gts.start[g]!;
  const kb = gts.start[g + 1]! - bStart;
  let ca = ka > 0 ? aCounts[aStart]! : 0;
  let cb = kb > 0 ? bCounts[bStart]! : 0;
  let va = false;
  let vb = false;
  let a = 1;
  let b = 1;
  let intersection = 0;
  let union = 0;
  let ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      union += c;
      if (va && vb) intersection += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && a < ka) {
      ca = aCounts[aStart + a++]!;
      va = !va;
    }
    ct += ca;
    cb -= c;
    if (!cb && b < kb) {
      cb = bCounts[bStart + b++]!;
      vb = !vb;
    }
    ct += cb;
  }
  if (intersection === 0) union = 1;
  else if (crowd) union = rleCountsArea(aCounts, aStart, ka);
  return intersection / union;
}
