/** Evaluation parameters, with pycocotools' defaults (Params.setDetParams). */
import { linspace } from './numpy';

export type IouType = 'bbox' | 'segm';

export interface EvalParamsOptions {
  /** 'bbox' (default) or 'segm'. */
  iouType?: IouType;
  /** Images to evaluate. Default: every image in the ground truth. Sorted and de-duplicated. */
  imgIds?: readonly number[];
  /** Categories to evaluate. Default: every ground-truth category. Sorted and de-duplicated. */
  catIds?: readonly number[];
  /** IoU thresholds. Default: np.linspace(.5, .95, 10). */
  iouThrs?: ArrayLike<number>;
  /** Recall thresholds. Default: np.linspace(0, 1, 101). */
  recThrs?: ArrayLike<number>;
  /** Max detections per image. Default [1, 10, 100]; sorted ascending like pycocotools. */
  maxDets?: readonly number[];
  /** Object area ranges [lo, hi], both ends inclusive. Default all/small/medium/large. */
  areaRng?: readonly (readonly [number, number])[];
  /** Labels of areaRng; summarize() looks up 'all', 'small', 'medium', 'large'. */
  areaRngLbl?: readonly string[];
  /** Evaluate per category (default true); false pools all categories as one (proposal scoring). */
  useCats?: boolean;
}

export interface EvalParams {
  readonly iouType: IouType;
  readonly imgIds: readonly number[];
  readonly catIds: readonly number[];
  readonly iouThrs: Float64Array;
  readonly recThrs: Float64Array;
  readonly maxDets: readonly number[];
  readonly areaRng: readonly (readonly [number, number])[];
  readonly areaRngLbl: readonly string[];
  readonly useCats: boolean;
}

/** np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1): 0.8999999999999999 included. */
export function defaultIouThresholds(): Float64Array {
  return linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1);
}

/** np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1). */
export function defaultRecallThresholds(): Float64Array {
  return linspace(0, 1, Math.round((1 - 0) / 0.01) + 1);
}

export const DEFAULT_MAX_DETS: readonly number[] = [1, 10, 100];
export const DEFAULT_AREA_RANGES: readonly (readonly [number, number])[] = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];
export const DEFAULT_AREA_LABELS: readonly string[] = ['all', 'small', 'medium', 'large'];

function sortedUnique(values: readonly number[], what: string): number[] {
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${what} must be finite numbers, got ${String(v)}`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/**
 * Resolves options against the ground truth's image and category ids.
 * Throws TypeError/RangeError on malformed options (they are programming errors, not data errors).
 */
export function resolveParams(
  options: EvalParamsOptions,
  gtImageIds: readonly number[],
  gtCategoryIds: readonly number[],
): EvalParams {
  const iouType = options.iouType ?? 'bbox';
  if (iouType !== 'bbox' && iouType !== 'segm') {
    throw new RangeError(`iouType must be 'bbox' or 'segm', got ${String(iouType)} (keypoints are not supported)`);
  }
  const iouThrs = options.iouThrs ? Float64Array.from(options.iouThrs) : defaultIouThresholds();
  const recThrs = options.recThrs ? Float64Array.from(options.recThrs) : defaultRecallThresholds();
  const maxDets = [...(options.maxDets ?? DEFAULT_MAX_DETS)].sort((a, b) => a - b);
  const areaRng = options.areaRng ?? DEFAULT_AREA_RANGES;
  const areaRngLbl = options.areaRngLbl ?? (options.areaRng ? [] : DEFAULT_AREA_LABELS);
  if (iouThrs.length === 0) throw new RangeError('iouThrs must not be empty');
  if (recThrs.length === 0) throw new RangeError('recThrs must not be empty');
  if (maxDets.length === 0 || !maxDets.every((m) => Number.isInteger(m) && m >= 0)) {
    throw new RangeError(`maxDets must be non-negative integers, got ${JSON.stringify(options.maxDets)}`);
  }
  if (areaRng.length === 0 || !areaRng.every((r) => r.length === 2 && r.every((v) => typeof v === 'number' && !Number.isNaN(v)))) {
    throw new RangeError('areaRng must be a non-empty list of [lo, hi] pairs');
  }
  if (areaRngLbl.length !== 0 && areaRngLbl.length !== areaRng.length) {
    throw new RangeError('areaRngLbl must have one label per areaRng entry');
  }
  return {
    iouType,
    imgIds: sortedUnique(options.imgIds ?? gtImageIds, 'imgIds'),
    catIds: sortedUnique(options.catIds ?? gtCategoryIds, 'catIds'),
    iouThrs,
    recThrs,
    maxDets,
    areaRng: areaRng.map((r) => [r[0], r[1]] as const),
    areaRngLbl: [...areaRngLbl],
    useCats: options.useCats ?? true,
  };
}
