/**
 * evaluateImg's per-image record in pycocotools' shape, for inspecting why a detection did or
 * did not match. The bulk evaluation uses the same matching code (evaluate-image.ts) but keeps
 * only what accumulate needs.
 */
import type { PreparedEvaluation } from './coco-eval';
import { groupIou, matchAtThreshold, MatchScratch, sortGroundTruths } from './evaluate-image';

export interface ImageEvaluation {
  readonly imageId: number;
  /** -1 when useCats is false. */
  readonly categoryId: number;
  readonly areaRange: readonly [number, number];
  readonly maxDet: number;
  /** Detection ids (results index + 1), best score first, at most maxDet. */
  readonly dtIds: readonly number[];
  /** Ground-truth ids, ignored ones last. */
  readonly gtIds: readonly number[];
  /** [T][D]: id of the matched ground truth, or 0. */
  readonly dtMatches: readonly (readonly number[])[];
  /** [T][G]: id of the matched detection, or 0. */
  readonly gtMatches: readonly (readonly number[])[];
  readonly dtScores: readonly number[];
  /** [G]: 1 when the ground truth is ignored (crowd or outside the area range). */
  readonly gtIgnore: readonly number[];
  /** [T][D]: matched to an ignored ground truth, or unmatched and outside the area range. */
  readonly dtIgnore: readonly (readonly boolean[])[];
}

/**
 * pycocotools evaluateImg(imgId, catId, areaRng[areaIndex], maxDets[-1]); null when the image has
 * neither ground truths nor detections of that category. With useCats false, pass any categoryId.
 */
export function evaluateImage(prepared: PreparedEvaluation, imageId: number, categoryId: number, areaIndex = 0): ImageEvaluation | null {
  const { params, data, gt } = prepared;
  const image = params.imgIds.indexOf(imageId);
  const category = params.useCats ? params.catIds.indexOf(categoryId) : 0;
  if (image < 0 || category < 0) return null;
  let group = -1;
  for (let g = 0; g < data.numGroups; g++) {
    if (data.groupImage[g] === image && data.groupCategory[g] === category) group = g;
  }
  if (group < 0) return null;
  const areaRange = params.areaRng[areaIndex];
  if (!areaRange) throw new RangeError(`areaIndex ${areaIndex} is out of range (${params.areaRng.length} area ranges)`);
  const [lo, hi] = areaRange;

  const dtStart = data.groupDtStart[group]!;
  const numDt = data.groupDtStart[group + 1]! - dtStart;
  const gtStart = data.groupGtStart[group]!;
  const numGt = data.groupGtStart[group + 1]! - gtStart;
  const scratch = new MatchScratch();
  scratch.reserve(numDt, numGt);
  const iou = numDt > 0 && numGt > 0 ? groupIou(data, group, scratch).slice() : new Float64Array(0);
  sortGroundTruths(data, gtStart, numGt, lo, hi, scratch);
  const order = Array.from(scratch.order.subarray(0, numGt));
  const sortedIgnore = Array.from(scratch.sortedIgnore.subarray(0, numGt));
  const gtIds = order.map((g) => gt.annotations[data.gtAnnotationIndex[gtStart + g]!]!.id);
  const dtIds = Array.from({ length: numDt }, (_, d) => data.dtResultIndex[dtStart + d]! + 1);
  const dtScores = Array.from(data.dtScore.subarray(dtStart, dtStart + numDt));
  const outside = Array.from({ length: numDt }, (_, d) => data.dtArea[dtStart + d]! < lo || data.dtArea[dtStart + d]! > hi);

  const dtMatches: number[][] = [];
  const gtMatches: number[][] = [];
  const dtIgnore: boolean[][] = [];
  for (const threshold of params.iouThrs) {
    const dtm = new Array<number>(numDt).fill(0);
    const gtm = new Array<number>(numGt).fill(0);
    const dtIg = new Array<boolean>(numDt).fill(false);
    if (numGt > 0) {
      matchAtThreshold(iou, numDt, numGt, threshold, scratch);
      for (let d = 0; d < numDt; d++) {
        const m = scratch.match[d]!;
        if (m < 0) continue;
        dtm[d] = gtIds[m]!;
        gtm[m] = dtIds[d]!;
        dtIg[d] = sortedIgnore[m] === 1;
      }
    }
    for (let d = 0; d < numDt; d++) dtIg[d] = dtIg[d]! || (dtm[d] === 0 && outside[d]!);
    dtMatches.push(dtm);
    gtMatches.push(gtm);
    dtIgnore.push(dtIg);
  }
  return {
    imageId,
    categoryId: params.useCats ? categoryId : -1,
    areaRange: [lo, hi],
    maxDet: Math.max(...params.maxDets),
    dtIds,
    gtIds,
    dtMatches,
    gtMatches,
    dtScores,
    gtIgnore: sortedIgnore,
    dtIgnore,
  };
}
