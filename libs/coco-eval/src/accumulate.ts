/**
 * pycocotools COCOeval.accumulate: per category, area range and maxDets, the detections of all
 * images are sorted by score (stable, images in id order), and precision at the recall
 * thresholds and the final recall are computed for each IoU threshold.
 *
 * Output layout (C order, as numpy): precision[T, R, K, A, M], recall[T, K, A, M]; -1 where a
 * category has no (non-ignored) ground truth.
 */
import { IGNORED as IG, TRUE_POSITIVE as TP, type EvalData, type EvalImgsOutput } from './eval-data';
import { sortByScoreStable } from './sort';

// Module-local copies: the hot loop must not read imported bindings (getters under CommonJS).
const IGNORED = IG;
const TRUE_POSITIVE = TP;

/** np.spacing(1) */
const EPS = 2.220446049250313e-16;

export interface AccumulateShape {
  readonly T: number;
  readonly R: number;
  readonly K: number;
  readonly A: number;
  readonly M: number;
}

export function accumulateShape(data: EvalData): AccumulateShape {
  return {
    T: data.iouThrs.length,
    R: data.recThrs.length,
    K: data.numCategories,
    A: data.areaRng.length / 2,
    M: data.maxDets.length,
  };
}

/** A category's detections over all images, sorted by score, with their codes gathered. */
interface SortedCategory {
  readonly count: number;
  /** Position of each detection within its image's (score-sorted) list, for maxDets. */
  readonly rank: Int32Array;
  /** codes[(a * T + t) * count + i] for the i-th detection in score order. */
  readonly codes: Uint8Array;
}

function sortCategory(data: EvalData, evalImgs: EvalImgsOutput, k: number): SortedCategory {
  const groupsStart = data.categoryGroupStart[k]!;
  const groupsEnd = data.categoryGroupStart[k + 1]!;
  let count = 0;
  for (let j = groupsStart; j < groupsEnd; j++) {
    const g = data.categoryGroups[j]!;
    count += data.groupDtStart[g + 1]! - data.groupDtStart[g]!;
  }
  // Concatenated in image order (pycocotools concatenates evalImgs by image id) ...
  const detAt = new Int32Array(count);
  const rankAt = new Int32Array(count);
  let n = 0;
  for (let j = groupsStart; j < groupsEnd; j++) {
    const g = data.categoryGroups[j]!;
    const first = data.groupDtStart[g]!;
    for (let d = first; d < data.groupDtStart[g + 1]!; d++) {
      detAt[n] = d;
      rankAt[n++] = d - first;
    }
  }
  // ... then sorted by descending score; ties keep that order (numpy mergesort is stable).
  const scoreAt = new Float64Array(count);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    scoreAt[i] = data.dtScore[detAt[i]!]!;
    order[i] = i;
  }
  sortByScoreStable(order, 0, count, scoreAt, new Int32Array(count));

  const AT = (data.areaRng.length / 2) * data.iouThrs.length;
  const codes = new Uint8Array(AT * count);
  const rank = new Int32Array(count);
  const source = evalImgs.codes;
  for (let i = 0; i < count; i++) {
    const position = order[i]!;
    rank[i] = rankAt[position]!;
    const from = detAt[position]! * AT; // one detection's codes are contiguous
    for (let at = 0; at < AT; at++) codes[at * count + i] = source[from + at]!;
  }
  return { count, rank, codes };
}

/**
 * Precision and recall of one ranked detection list, as pycocotools computes them from the
 * cumulative tp/fp sums:
 *   rc = tp / npig,  pr = tp / (fp + tp + eps),  pr made non-increasing from the right,
 *   precision[r] = pr[searchsorted(rc, recThrs[r], 'left')] until the search runs off the end.
 * Only true positives move recall and only they can set a running maximum of precision, so the
 * work is done over the true positives: entry j has tp = j and fp = fpBefore[j].
 * (Ignored detections are skipped: they change neither sum, and including them in pycocotools'
 * arrays changes no looked-up value.)
 */
class RankedList {
  /** fpBefore[j]: false positives ranked before the j-th true positive (1-based). */
  fpBefore = new Float64Array(1);
  /** Suffix maximum of precision over true positives j.. (the precision envelope). */
  envelope = new Float64Array(1);
  numTp = 0;
  numCounted = 0;

  reserve(n: number): void {
    if (this.fpBefore.length < n + 2) {
      this.fpBefore = new Float64Array(n + 2);
      this.envelope = new Float64Array(n + 2);
    }
  }

  /** Counts the detections `kept[0..numKept)` of the codes row, best first. */
  count(codes: Uint8Array, kept: Int32Array, numKept: number): void {
    let tp = 0;
    let fp = 0;
    const fpBefore = this.fpBefore;
    for (let i = 0; i < numKept; i++) {
      const code = codes[kept[i]!]!;
      if (code === TRUE_POSITIVE) fpBefore[++tp] = fp;
      else if (code !== IGNORED) fp++;
    }
    this.numTp = tp;
    this.numCounted = tp + fp;
    const envelope = this.envelope;
    envelope[tp + 1] = 0;
    for (let j = tp; j >= 1; j--) {
      const precision = j / (fpBefore[j]! + j + EPS);
      envelope[j] = precision > envelope[j + 1]! ? precision : envelope[j + 1]!;
    }
  }

  /** Writes precision at each recall threshold and returns the final recall. */
  precisionAt(recThrs: Float64Array, numPositives: number, write: (r: number, value: number) => void): number {
    const { numTp, numCounted, envelope } = this;
    for (let r = 0; r < recThrs.length; r++) write(r, 0);
    for (let r = 0; r < recThrs.length; r++) {
      const threshold = recThrs[r]!;
      if (numCounted === 0) break;
      let value: number;
      if (threshold <= 0) {
        value = envelope[1]!; // the first entry: maximum over everything (0 without true positives)
      } else {
        // Smallest j with j / npig >= threshold: the first entry reaching that recall.
        let lo = 1;
        let hi = numTp + 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (mid / numPositives < threshold) lo = mid + 1;
          else hi = mid;
        }
        if (lo > numTp) break; // pycocotools stops at the first threshold beyond the last recall
        value = envelope[lo]!;
      }
      write(r, value);
    }
    return numCounted > 0 ? numTp / numPositives : 0;
  }
}

/**
 * Accumulates the given categories into precision/recall (which must start filled with -1).
 * Categories are independent, so worker threads can each take some.
 */
export function accumulateCategories(
  data: EvalData,
  evalImgs: EvalImgsOutput,
  categories: ArrayLike<number>,
  precision: Float64Array,
  recall: Float64Array,
): void {
  const { T, R, K, A, M } = accumulateShape(data);
  const npig = evalImgs.npig;
  const recThrs = data.recThrs;
  const ranked = new RankedList();
  for (let c = 0; c < categories.length; c++) {
    const k = categories[c]!;
    const groupsStart = data.categoryGroupStart[k]!;
    const groupsEnd = data.categoryGroupStart[k + 1]!;
    if (groupsStart === groupsEnd) continue; // no image has this category: stays -1

    const sorted = sortCategory(data, evalImgs, k);
    const count = sorted.count;
    ranked.reserve(count);
    const kept = new Int32Array(count);
    for (let m = 0; m < M; m++) {
      // Detections within the first maxDet of their image (the stable sort keeps their order).
      const maxDet = data.maxDets[m]!;
      let numKept = 0;
      for (let i = 0; i < count; i++) if (sorted.rank[i]! < maxDet) kept[numKept++] = i;
      for (let a = 0; a < A; a++) {
        let numPositives = 0;
        for (let j = groupsStart; j < groupsEnd; j++) numPositives += npig[data.categoryGroups[j]! * A + a]!;
        if (numPositives === 0) continue; // stays -1
        for (let t = 0; t < T; t++) {
          ranked.count(sorted.codes.subarray((a * T + t) * count, (a * T + t + 1) * count), kept, numKept);
          recall[((t * K + k) * A + a) * M + m] = ranked.precisionAt(recThrs, numPositives, (r, value) => {
            precision[(((t * R + r) * K + k) * A + a) * M + m] = value;
          });
        }
      }
    }
  }
}
