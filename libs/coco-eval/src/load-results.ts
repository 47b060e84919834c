/**
 * Loading detection results with pycocotools' `COCO.loadRes` semantics. The branch is chosen by
 * the first result, as pycocotools does:
 * - it has a non-empty `bbox` → every result needs a bbox; area = w·h (used for segm evaluation
 *   too); a missing segmentation becomes the box polygon;
 * - else it has `segmentation` → area = mask area, bbox = the mask's bounding box unless given;
 * - else it has `keypoints` → area and bbox from the keypoints' extent.
 * Every result gets id = index + 1 and iscrowd = 0. Results for categories not in the ground truth
 * are kept here and left out by the evaluation (pycocotools' behaviour), with a warning.
 *
 * Where pycocotools would crash, Kestrel either reports a clear error or (documented) accepts the
 * input: segm results may also be polygons or uncompressed RLE.
 */
import { CocoInputError, describeValue } from './errors';
import { readBbox, type CocoGroundTruth } from './gt-index';
import { readJsonFile } from './json-file';
import { rleArea, rleToBbox, type Rle } from './rle';
import { parseSegmentation, segmentationToRle, type Segmentation } from './segmentation';

export type ResultsBranch = 'bbox' | 'segm' | 'keypoints';

/** Detections after loadRes, stored by column. Result i has id i + 1. */
export interface DetectionSet {
  readonly source: string;
  /** The loadRes branch taken (decided by the first result). */
  readonly branch: ResultsBranch;
  readonly count: number;
  readonly imageIds: Float64Array;
  readonly categoryIds: Float64Array;
  readonly scores: Float64Array;
  /** loadRes area: w·h in the bbox branch, mask area in the segm branch. */
  readonly areas: Float64Array;
  /** [x, y, w, h] per result. */
  readonly boxes: Float64Array;
  /**
   * Masks: a given segmentation (bbox branch) or the decoded RLE (segm branch); undefined means
   * "the box polygon" (bbox branch without segmentation).
   */
  readonly segmentations: readonly (Segmentation | undefined)[];
  readonly warnings: readonly string[];
}

export interface LoadResultsOptions {
  /** Name used in errors when `results` is an in-memory array. Default '<results>'. */
  source?: string;
  /**
   * Results whose category_id is not a ground-truth category: 'drop' (default, as pycocotools:
   * they are not evaluated; a warning is recorded) or 'error'.
   */
  unknownCategory?: 'drop' | 'error';
}

function finiteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Loads a results file (path) or an array of result objects against the ground truth. */
export function loadResults(gt: CocoGroundTruth, results: string | readonly unknown[], options: LoadResultsOptions = {}): DetectionSet {
  const source = typeof results === 'string' ? results : (options.source ?? '<results>');
  const list = typeof results === 'string' ? readJsonFile(results) : results;
  if (!Array.isArray(list)) {
    throw new CocoInputError(source, undefined, `results must be a JSON list of detections, got ${describeValue(list, 40)}`);
  }
  if (list.length === 0) throw new CocoInputError(source, undefined, 'results file is empty: it contains no detections');

  const branch = chooseBranch(list[0], source);
  const count = list.length;
  const imageIds = new Float64Array(count);
  const categoryIds = new Float64Array(count);
  const scores = new Float64Array(count);
  const areas = new Float64Array(count);
  const boxes = new Float64Array(count * 4);
  const segmentations: (Segmentation | undefined)[] = new Array<Segmentation | undefined>(count).fill(undefined);
  const warnings: string[] = [];
  let unknownCategories = 0;
  let firstUnknown = '';
  let sizeMismatches = 0;

  // Entry names (`results[17] (image_id 42)`) are built only for errors: 500k strings add up.
  const entryOf = (i: number): string => {
    const imageId = (list[i] as { image_id?: unknown }).image_id;
    return `results[${i}]${finiteNumber(imageId) ? ` (image_id ${imageId})` : ''}`;
  };
  let lastImageId = NaN; // results usually come image by image: check each image id once per run
  for (let i = 0; i < count; i++) {
    const value: unknown = list[i];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CocoInputError(source, `results[${i}]`, `must be an object, got ${describeValue(value)}`);
    }
    const det = value as Record<string, unknown>;
    const imageId = det.image_id;
    if (imageId !== lastImageId) {
      if (!finiteNumber(imageId)) throw new CocoInputError(source, entryOf(i), `image_id must be a number, got ${describeValue(imageId)}`);
      if (!gt.images.has(imageId)) {
        throw new CocoInputError(source, entryOf(i), `image id ${imageId} is not in the ground truth (${gt.source}); results must be for ground-truth images`);
      }
      lastImageId = imageId;
    }
    const categoryId = det.category_id;
    if (!finiteNumber(categoryId)) throw new CocoInputError(source, entryOf(i), `category_id must be a number, got ${describeValue(categoryId)}`);
    if (!gt.categories.has(categoryId)) {
      if (options.unknownCategory === 'error') {
        throw new CocoInputError(source, entryOf(i), `category_id ${categoryId} is not a ground-truth category`);
      }
      if (unknownCategories++ === 0) firstUnknown = `${entryOf(i)}: category_id ${categoryId}`;
    }
    const score = det.score;
    if (!finiteNumber(score)) throw new CocoInputError(source, entryOf(i), `score must be a finite number, got ${describeValue(score)}`);
    imageIds[i] = imageId;
    categoryIds[i] = categoryId;
    scores[i] = score;

    if (branch === 'bbox') {
      const problem = readBbox(det.bbox, boxes, i * 4);
      if (problem !== undefined) throw new CocoInputError(source, entryOf(i), problem);
      areas[i] = boxes[i * 4 + 2]! * boxes[i * 4 + 3]!;
      if (det.segmentation !== undefined) segmentations[i] = parseSegmentation(det.segmentation, source, entryOf(i));
    } else if (branch === 'segm') {
      if (det.segmentation === undefined) throw new CocoInputError(source, entryOf(i), 'has no segmentation (the first result has one, so all need one)');
      const segmentation = parseSegmentation(det.segmentation, source, entryOf(i));
      const [height, width] = segmentation.kind === 'polygon' ? gt.imageSize(imageId) : [0, 0];
      const rle: Rle = segmentationToRle(segmentation, height, width);
      const image = gt.images.get(imageId)!;
      if (image.height !== undefined && (rle.height !== image.height || rle.width !== image.width)) sizeMismatches++;
      segmentations[i] = { kind: 'rle', rle };
      areas[i] = rleArea(rle);
      const given = det.bbox;
      if (Array.isArray(given) && given.length > 0) {
        const problem = readBbox(given, boxes, i * 4);
        if (problem !== undefined) throw new CocoInputError(source, entryOf(i), problem);
      } else {
        boxes.set(rleToBbox(rle), i * 4);
      }
    } else {
      const { area, box } = keypointExtent(det.keypoints, source, entryOf(i));
      areas[i] = area;
      boxes.set(box, i * 4);
    }
  }
  if (unknownCategories > 0) {
    warnings.push(
      `${unknownCategories} result(s) have category ids that are not ground-truth categories and are not evaluated (first: ${firstUnknown})`,
    );
  }
  if (sizeMismatches > 0) {
    warnings.push(`${sizeMismatches} result mask(s) have a size different from their image; their mask IoU is -1 (never a match)`);
  }
  return { source, branch, count, imageIds, categoryIds, scores, areas, boxes, segmentations, warnings };
}

function chooseBranch(first: unknown, source: string): ResultsBranch {
  if (typeof first !== 'object' || first === null || Array.isArray(first)) {
    throw new CocoInputError(source, 'results[0]', `must be an object, got ${describeValue(first)}`);
  }
  const det = first as Record<string, unknown>;
  if ('caption' in det) throw new CocoInputError(source, 'results[0]', 'caption results are not detections; only bbox/segm results can be evaluated');
  if ('bbox' in det && !(Array.isArray(det.bbox) && det.bbox.length === 0)) return 'bbox';
  if ('segmentation' in det) return 'segm';
  if ('keypoints' in det) return 'keypoints';
  throw new CocoInputError(source, 'results[0]', 'has none of "bbox", "segmentation" or "keypoints"');
}

/** loadRes keypoints branch: extent of x = s[0::3], y = s[1::3]. */
function keypointExtent(value: unknown, source: string, entry: string): { area: number; box: number[] } {
  if (!Array.isArray(value) || value.length < 3 || !value.every(finiteNumber)) {
    throw new CocoInputError(source, entry, `keypoints must be a list of finite numbers [x, y, v, …], got ${describeValue(value)}`);
  }
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let j = 0; j < value.length; j += 3) {
    x0 = Math.min(x0, value[j]!);
    x1 = Math.max(x1, value[j]!);
    if (j + 1 < value.length) {
      y0 = Math.min(y0, value[j + 1]!);
      y1 = Math.max(y1, value[j + 1]!);
    }
  }
  return { area: (x1 - x0) * (y1 - y0), box: [x0, y0, x1 - x0, y1 - y0] };
}
