/**
 * The evaluation's working set in typed arrays (shareable with worker threads): per (image,
 * category) groups as pycocotools' `_gts` / `_dts`, detections sorted by score and truncated to
 * the largest maxDets, ground truths in file order, and masks as back-to-back RLE tables.
 */
import type { DetectionSet } from './load-results';
import type { CocoGroundTruth, GtAnnotation } from './gt-index';
import { rleCountsToBbox, type Rle } from './rle';
import type { RleTable } from './iou';
import type { EvalParams, IouType } from './params';
import { polygonToRle } from './polygon';
import { segmentationToRle } from './segmentation';
import { sortByScoreStable } from './sort';

export interface EvalData {
  readonly iouType: IouType;
  readonly numImages: number;
  /** K: number of categories, 1 when useCats is false. */
  readonly numCategories: number;
  readonly iouThrs: Float64Array;
  readonly recThrs: Float64Array;
  /** [lo0, hi0, lo1, hi1, …] */
  readonly areaRng: Float64Array;
  /** Sorted ascending. */
  readonly maxDets: Int32Array;
  /** Groups are (image, category) pairs with any ground truth or detection, by image then category. */
  readonly numGroups: number;
  readonly groupImage: Int32Array;
  readonly groupCategory: Int32Array;
  /** Group g's detections are dt[groupDtStart[g] .. groupDtStart[g+1]); likewise ground truths. */
  readonly groupDtStart: Int32Array;
  readonly groupGtStart: Int32Array;
  /** Groups of category k, by image: categoryGroups[categoryGroupStart[k] .. categoryGroupStart[k+1]). */
  readonly categoryGroupStart: Int32Array;
  readonly categoryGroups: Int32Array;
  readonly numDt: number;
  readonly dtScore: Float64Array;
  readonly dtArea: Float64Array;
  readonly dtBox: Float64Array;
  /** Index of the detection in the results (its id is this + 1). */
  readonly dtResultIndex: Int32Array;
  readonly numGt: number;
  readonly gtArea: Float64Array;
  readonly gtBox: Float64Array;
  /** int(iscrowd) != 0: crowd IoU (intersection / detection area), may match many times. */
  readonly gtCrowd: Uint8Array;
  /** iscrowd truthy: pycocotools' gt['ignore'] (the file's own `ignore` field is overwritten). */
  readonly gtIgnore: Uint8Array;
  /** Ground truth id 0: pycocotools records matches by id, so a match to id 0 reads as no match. */
  readonly gtIdZero: Uint8Array;
  readonly gtAnnotationIndex: Int32Array;
  readonly dtMasks: RleTable | undefined;
  readonly gtMasks: RleTable | undefined;
}

/** evaluateImg's results, in typed arrays. */
export interface EvalImgsOutput {
  /**
   * Per detection d, area range a and IoU threshold t: 0 = false positive, 1 = true positive,
   * 2 = ignored; at codes[(d * A + a) * T + t] (one detection's codes share a cache line).
   */
  readonly codes: Uint8Array;
  /** Non-ignored ground truths per group and area range: npig[g * A + a]. */
  readonly npig: Int32Array;
}

// Hot loops copy these into module-local constants: under tsx/CommonJS an imported binding is
// read through a getter on every access.
export const FALSE_POSITIVE = 0;
export const TRUE_POSITIVE = 1;
export const IGNORED = 2;

/** Allocates typed arrays, on SharedArrayBuffers when they will be handed to worker threads. */
export class ArrayAllocator {
  constructor(readonly shared: boolean) {}
  private buffer(bytes: number): ArrayBuffer | SharedArrayBuffer {
    return this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }
  f64(n: number): Float64Array {
    return new Float64Array(this.buffer(n * 8));
  }
  i32(n: number): Int32Array {
    return new Int32Array(this.buffer(n * 4));
  }
  u32(n: number): Uint32Array {
    return new Uint32Array(this.buffer(n * 4));
  }
  u8(n: number): Uint8Array {
    return new Uint8Array(this.buffer(n));
  }
  copyF64(values: ArrayLike<number>): Float64Array {
    const out = this.f64(values.length);
    out.set(values);
    return out;
  }
}

/** Stable counting sort of `order` by keys[order[i]] in [0, numKeys). */
function countingSort(order: Int32Array, keys: Int32Array, numKeys: number): Int32Array {
  const start = new Int32Array(numKeys + 1);
  for (let i = 0; i < order.length; i++) start[keys[order[i]!]! + 1]!++;
  for (let k = 0; k < numKeys; k++) start[k + 1]! += start[k]!;
  const out = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) out[start[keys[order[i]!]!]!++] = order[i]!;
  return out;
}

/** Positions sorted by (image, category), file order kept within (LSD radix by counting sorts). */
function sortByImageThenCategory(image: Int32Array, category: Int32Array, numImages: number, numCategories: number): Int32Array {
  const identity = new Int32Array(image.length);
  for (let i = 0; i < identity.length; i++) identity[i] = i;
  return countingSort(countingSort(identity, category, numCategories), image, numImages);
}

/** Indices of items whose image and category are evaluated, with their image/category index. */
function select(
  count: number,
  imageOf: (i: number) => number,
  categoryOf: (i: number) => number,
  imageIndex: ReadonlyMap<number, number>,
  categoryIndex: ReadonlyMap<number, number>,
): { items: Int32Array; image: Int32Array; category: Int32Array } {
  const items = new Int32Array(count);
  const image = new Int32Array(count);
  const category = new Int32Array(count);
  let n = 0;
  for (let i = 0; i < count; i++) {
    const imageAt = imageIndex.get(imageOf(i));
    const categoryAt = categoryIndex.get(categoryOf(i));
    if (imageAt === undefined || categoryAt === undefined) continue;
    items[n] = i;
    image[n] = imageAt;
    category[n] = categoryAt;
    n++;
  }
  return { items: items.subarray(0, n), image: image.subarray(0, n), category: category.subarray(0, n) };
}

export function buildEvalData(gt: CocoGroundTruth, dt: DetectionSet, params: EvalParams, alloc: ArrayAllocator): EvalData {
  const imageIndex = new Map<number, number>();
  params.imgIds.forEach((id, i) => imageIndex.set(id, i));
  const categoryIndex = new Map<number, number>();
  params.catIds.forEach((id, k) => categoryIndex.set(id, k));
  const numImages = params.imgIds.length;
  const numCatIds = params.catIds.length;
  const numCategories = params.useCats ? numCatIds : 1;

  // pycocotools' _prepare: only images in imgIds and (also with useCats=0) categories in catIds.
  const anns = gt.annotations;
  const gtSel = select(anns.length, (i) => anns[i]!.imageId, (i) => anns[i]!.categoryId, imageIndex, categoryIndex);
  const dtSel = select(dt.count, (i) => dt.imageIds[i]!, (i) => dt.categoryIds[i]!, imageIndex, categoryIndex);
  // Sorted by (image, category, file order); with useCats=0 a group is a whole image, its
  // objects concatenated in category order, as pycocotools concatenates them.
  const gtOrder = sortByImageThenCategory(gtSel.image, gtSel.category, numImages, numCatIds);
  const dtOrder = sortByImageThenCategory(dtSel.image, dtSel.category, numImages, numCatIds);
  const keyOf = (image: Int32Array, category: Int32Array, order: Int32Array): Float64Array => {
    const keys = new Float64Array(order.length + 1);
    for (let i = 0; i < order.length; i++) {
      const p = order[i]!;
      keys[i] = params.useCats ? image[p]! * numCatIds + category[p]! : image[p]!;
    }
    keys[order.length] = Infinity;
    return keys;
  };
  const gtKeys = keyOf(gtSel.image, gtSel.category, gtOrder);
  const dtKeys = keyOf(dtSel.image, dtSel.category, dtOrder);

  const maxDet = Math.max(...params.maxDets);
  const maxGroups = gtOrder.length + dtOrder.length;
  const groupImage = new Int32Array(maxGroups);
  const groupCategory = new Int32Array(maxGroups);
  const groupDtStart = new Int32Array(maxGroups + 1);
  const groupGtStart = new Int32Array(maxGroups + 1);
  let numGroups = 0;
  const dtSorted = new Int32Array(dtOrder.length); // result indices, score-sorted within groups
  const dtKept = new Int32Array(dtOrder.length); // ... truncated to maxDet
  const mergeBuffer = new Int32Array(dtOrder.length);
  for (let i = 0; i < dtOrder.length; i++) dtSorted[i] = dtSel.items[dtOrder[i]!]!;
  let numKept = 0;
  let gi = 0;
  let di = 0;
  while (gi < gtOrder.length || di < dtOrder.length) {
    const key = Math.min(gtKeys[gi]!, dtKeys[di]!);
    const fromGt = gtKeys[gi] === key;
    const p = fromGt ? gtOrder[gi]! : dtOrder[di]!;
    groupImage[numGroups] = fromGt ? gtSel.image[p]! : dtSel.image[p]!;
    groupCategory[numGroups] = params.useCats ? (fromGt ? gtSel.category[p]! : dtSel.category[p]!) : 0;
    while (gtKeys[gi] === key) gi++;
    const first = di;
    while (dtKeys[di] === key) di++;
    sortByScoreStable(dtSorted, first, di, dt.scores, mergeBuffer);
    const end = Math.min(di, first + maxDet);
    for (let j = first; j < end; j++) dtKept[numKept++] = dtSorted[j]!;
    numGroups++;
    groupDtStart[numGroups] = numKept;
    groupGtStart[numGroups] = gi;
  }

  // Groups of each category in image order (groups are sorted by image, so a counting sort keeps it).
  const groupCategoryArray = alloc.i32(numGroups);
  groupCategoryArray.set(groupCategory.subarray(0, numGroups));
  const identity = new Int32Array(numGroups);
  for (let g = 0; g < numGroups; g++) identity[g] = g;
  const categoryGroups = alloc.i32(numGroups);
  categoryGroups.set(countingSort(identity, groupCategoryArray, numCategories));
  const categoryGroupStart = alloc.i32(numCategories + 1);
  for (let g = 0; g < numGroups; g++) categoryGroupStart[groupCategory[g]! + 1]!++;
  for (let k = 0; k < numCategories; k++) categoryGroupStart[k + 1]! += categoryGroupStart[k]!;

  const numDt = numKept;
  const dtScore = alloc.f64(numDt);
  const dtArea = alloc.f64(numDt);
  const dtResultIndex = alloc.i32(numDt);
  const dtBox = alloc.f64(numDt * 4);
  for (let d = 0; d < numDt; d++) {
    const r = dtKept[d]!;
    dtScore[d] = dt.scores[r]!;
    dtArea[d] = dt.areas[r]!;
    dtResultIndex[d] = r;
    for (let j = 0; j < 4; j++) dtBox[d * 4 + j] = dt.boxes[r * 4 + j]!;
  }

  const numGt = gtOrder.length;
  const gtKept: GtAnnotation[] = [];
  for (let g = 0; g < numGt; g++) gtKept.push(anns[gtSel.items[gtOrder[g]!]!]!);
  const gtArea = alloc.f64(numGt);
  const gtBox = alloc.f64(numGt * 4);
  const gtCrowd = alloc.u8(numGt);
  const gtIgnore = alloc.u8(numGt);
  const gtIdZero = alloc.u8(numGt);
  const gtAnnotationIndex = alloc.i32(numGt);
  for (let g = 0; g < numGt; g++) {
    const ann = gtKept[g]!;
    gtArea[g] = ann.area;
    gtCrowd[g] = Math.trunc(ann.iscrowd) !== 0 ? 1 : 0;
    gtIgnore[g] = ann.iscrowd !== 0 ? 1 : 0;
    gtIdZero[g] = ann.id === 0 ? 1 : 0;
    gtAnnotationIndex[g] = ann.index;
    if (params.iouType === 'bbox') gtBox.set(gt.bboxOf(ann), g * 4);
  }

  let dtMasks: RleTable | undefined;
  let gtMasks: RleTable | undefined;
  if (params.iouType === 'segm') {
    gtMasks = buildRleTable(gtKept.map((ann) => gt.rleOf(ann)), alloc);
    dtMasks = buildRleTable(Array.from(dtKept.subarray(0, numDt), (r) => detectionRle(gt, dt, r)), alloc);
  }

  const int32 = (values: ArrayLike<number>): Int32Array => {
    const out = alloc.i32(values.length);
    out.set(values);
    return out;
  };
  return {
    iouType: params.iouType,
    numImages,
    numCategories,
    iouThrs: alloc.copyF64(params.iouThrs),
    recThrs: alloc.copyF64(params.recThrs),
    areaRng: alloc.copyF64(params.areaRng.flat()),
    maxDets: int32(params.maxDets),
    numGroups,
    groupImage: int32(groupImage.subarray(0, numGroups)),
    groupCategory: groupCategoryArray,
    groupDtStart: int32(groupDtStart.subarray(0, numGroups + 1)),
    groupGtStart: int32(groupGtStart.subarray(0, numGroups + 1)),
    categoryGroupStart,
    categoryGroups,
    numDt,
    dtScore,
    dtArea,
    dtBox,
    dtResultIndex,
    numGt,
    gtArea,
    gtBox,
    gtCrowd,
    gtIgnore,
    gtIdZero,
    gtAnnotationIndex,
    dtMasks,
    gtMasks,
  };
}

/** A detection's mask for segm evaluation; the bbox branch without segmentation uses the box polygon. */
function detectionRle(gt: CocoGroundTruth, dt: DetectionSet, r: number): Rle {
  const segmentation = dt.segmentations[r];
  if (segmentation?.kind === 'rle') return segmentation.rle;
  const [height, width] = gt.imageSize(dt.imageIds[r]!);
  if (segmentation) return segmentationToRle(segmentation, height, width);
  const x1 = dt.boxes[r * 4]!;
  const y1 = dt.boxes[r * 4 + 1]!;
  const x2 = x1 + dt.boxes[r * 4 + 2]!;
  const y2 = y1 + dt.boxes[r * 4 + 3]!;
  return polygonToRle([x1, y1, x1, y2, x2, y2, x2, y1], height, width);
}

function buildRleTable(rles: readonly Rle[], alloc: ArrayAllocator): RleTable {
  const n = rles.length;
  const height = alloc.i32(n);
  const width = alloc.i32(n);
  const start = alloc.i32(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + rles[i]!.counts.length;
  const counts = alloc.u32(start[n]!);
  const box = alloc.f64(n * 4);
  for (let i = 0; i < n; i++) {
    const rle = rles[i]!;
    height[i] = rle.height;
    width[i] = rle.width;
    counts.set(rle.counts, start[i]!);
    rleCountsToBbox(counts, start[i]!, rle.counts.length, rle.height, rle.width, box, i * 4);
  }
  return { height, width, start, counts, box };
}
