/**
 * Per-image evaluation (pycocotools COCOeval.evaluateImg) for (image, category) groups: IoUs,
 * then for each area range and IoU threshold the greedy matching of detections (best score
 * first) to ground truths.
 */
import { bboxIouMatrix, rleIou } from './iou';
import { FALSE_POSITIVE as FP, IGNORED as IG, TRUE_POSITIVE as TP, type EvalData, type EvalImgsOutput } from './eval-data';

// Module-local copies: the hot loop must not read imported bindings (getters under CommonJS).
const FALSE_POSITIVE = FP;
const TRUE_POSITIVE = TP;
const IGNORED = IG;

/** Reusable buffers, grown on demand, so evaluating many groups does not allocate. */
export class MatchScratch {
  iou = new Float64Array(0);
  /** Ground truths of the group, ignored ones last: order[q] = index in file order. */
  order = new Int32Array(0);
  sortedIgnore = new Uint8Array(0);
  sortedCrowd = new Uint8Array(0);
  matched = new Uint8Array(0);
  /** Per detection: position q in `order` of its match, or -1. */
  match = new Int32Array(0);

  reserve(numDt: number, numGt: number): void {
    if (this.iou.length < numDt * numGt) this.iou = new Float64Array(numDt * numGt * 2);
    if (this.order.length < numGt) {
      const n = numGt * 2;
      this.order = new Int32Array(n);
      this.sortedIgnore = new Uint8Array(n);
      this.sortedCrowd = new Uint8Array(n);
      this.matched = new Uint8Array(n);
    }
    if (this.match.length < numDt) this.match = new Int32Array(numDt * 2);
  }
}

/** IoU matrix [D×G] of one group into scratch.iou, ground truths in file order (computeIoU). */
export function groupIou(data: EvalData, group: number, scratch: MatchScratch): Float64Array {
  const dtStart = data.groupDtStart[group]!;
  const numDt = data.groupDtStart[group + 1]! - dtStart;
  const gtStart = data.groupGtStart[group]!;
  const numGt = data.groupGtStart[group + 1]! - gtStart;
  scratch.reserve(numDt, numGt);
  const iou = scratch.iou;
  if (data.iouType === 'bbox') {
    bboxIouMatrix(
      data.dtBox.subarray(dtStart * 4, (dtStart + numDt) * 4),
      data.gtBox.subarray(gtStart * 4, (gtStart + numGt) * 4),
      data.gtCrowd.subarray(gtStart, gtStart + numGt),
      iou,
    );
  } else {
    const dts = data.dtMasks!;
    const gts = data.gtMasks!;
    for (let d = 0; d < numDt; d++) {
      for (let g = 0; g < numGt; g++) {
        iou[d * numGt + g] = rleIou(dts, dtStart + d, gts, gtStart + g, data.gtCrowd[gtStart + g] === 1);
      }
    }
  }
  return iou;
}

/**
 * Orders the group's ground truths for area range [lo, hi]: not ignored first, file order kept
 * (numpy mergesort of the ignore flags). Returns the number not ignored (npig's share).
 */
export function sortGroundTruths(data: EvalData, gtStart: number, numGt: number, lo: number, hi: number, scratch: MatchScratch): number {
  const { order, sortedIgnore, sortedCrowd } = scratch;
  let p = 0;
  let notIgnored = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let g = 0; g < numGt; g++) {
      const area = data.gtArea[gtStart + g]!;
      const ignore = data.gtIgnore[gtStart + g] === 1 || area < lo || area > hi ? 1 : 0;
      if (ignore !== pass) continue;
      order[p] = g;
      sortedIgnore[p] = ignore;
      sortedCrowd[p] = data.gtCrowd[gtStart + g]!;
      p++;
    }
    if (pass === 0) notIgnored = p;
  }
  return notIgnored;
}

/**
 * Greedy matching at one IoU threshold (evaluateImg's inner loops): each detection, best score
 * first, takes the ground truth with the highest IoU ≥ threshold; of equal IoUs the later one.
 * A matched ground truth is not taken again unless it is a crowd; once a detection has a regular
 * match it does not look at ignored ones. Writes scratch.match.
 */
export function matchAtThreshold(iou: Float64Array, numDt: number, numGt: number, threshold: number, scratch: MatchScratch): void {
  const { order, sortedIgnore, sortedCrowd, matched, match } = scratch;
  const cap = Math.min(threshold, 1 - 1e-10);
  matched.fill(0, 0, numGt);
  for (let d = 0; d < numDt; d++) {
    let best = cap;
    let m = -1;
    const row = d * numGt;
    for (let q = 0; q < numGt; q++) {
      if (matched[q] === 1 && sortedCrowd[q] === 0) continue;
      if (m > -1 && sortedIgnore[m] === 0 && sortedIgnore[q] === 1) break;
      const value = iou[row + order[q]!]!;
      if (value < best) continue;
      best = value;
      m = q;
    }
    match[d] = m;
    if (m > -1) matched[m] = 1;
  }
}

/** Evaluates groups [first, end), writing codes and npig (see EvalImgsOutput). */
export function evaluateGroups(data: EvalData, out: EvalImgsOutput, first: number, end: number, scratch = new MatchScratch()): void {
  const T = data.iouThrs.length;
  const A = data.areaRng.length / 2;
  const { codes, npig } = out;
  for (let group = first; group < end; group++) {
    const dtStart = data.groupDtStart[group]!;
    const D = data.groupDtStart[group + 1]! - dtStart;
    const gtStart = data.groupGtStart[group]!;
    const G = data.groupGtStart[group + 1]! - gtStart;
    scratch.reserve(D, G);
    const iou = D > 0 && G > 0 ? groupIou(data, group, scratch) : scratch.iou;
    for (let a = 0; a < A; a++) {
      const lo = data.areaRng[2 * a]!;
      const hi = data.areaRng[2 * a + 1]!;
      npig[group * A + a] = sortGroundTruths(data, gtStart, G, lo, hi, scratch);
      const { match, order, sortedIgnore } = scratch;
      for (let t = 0; t < T; t++) {
        if (G > 0) matchAtThreshold(iou, D, G, data.iouThrs[t]!, scratch);
        else match.fill(-1, 0, D);
        for (let d = 0; d < D; d++) {
          const area = data.dtArea[dtStart + d]!;
          const outside = area < lo || area > hi;
          const m = match[d]!;
          let code: number;
          if (m === -1) {
            code = outside ? IGNORED : FALSE_POSITIVE;
          } else {
            // pycocotools stores the matched gt *id*; a match to id 0 then reads as "no match".
            const hasId = data.gtIdZero[gtStart + order[m]!] === 0;
            code = sortedIgnore[m] === 1 || (!hasId && outside) ? IGNORED : hasId ? TRUE_POSITIVE : FALSE_POSITIVE;
          }
          codes[((dtStart + d) * A + a) * T + t] = code;
        }
      }
    }
  }
}
