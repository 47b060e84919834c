/**
 * pycocotools COCOeval.summarize: the 12 standard statistics and their printed lines, plus the
 * per-category values (AP per IoU threshold, AP, AP50, AP75, AR at the largest maxDets).
 * Every mean is numpy's: pairwise summation over the C-order selection with -1 entries removed.
 */
import type { AccumulateShape } from './accumulate';
import { meanAboveMinusOne } from './numpy';
import type { EvalParams } from './params';

export const STAT_NAMES = [
  'AP',
  'AP50',
  'AP75',
  'APs',
  'APm',
  'APl',
  'AR1',
  'AR10',
  'AR100',
  'ARs',
  'ARm',
  'ARl',
] as const;

export type StatName = (typeof STAT_NAMES)[number];

export interface Summary {
  /** The 12 numbers in pycocotools' order (see STAT_NAMES); -1 when undefined. */
  readonly stats: readonly number[];
  /** The 12 lines pycocotools prints. */
  readonly lines: readonly string[];
}

interface StatSpec {
  readonly ap: boolean;
  readonly iouThr?: number;
  readonly areaLabel: string;
  readonly maxDets: number;
}

/**
 * Python's '{:0.Nf}'.format(x): the exact binary value rounded half to even. JavaScript's toFixed
 * rounds exact ties away from zero; a tie at N decimals happens exactly when x·2^(N+1) is an odd
 * integer (x = odd / 2^(N+1)).
 */
export function formatFixed(x: number, digits: number): string {
  const scaled = x * 2 ** (digits + 1); // exact: a power of two
  if (Number.isInteger(scaled) && Math.abs(scaled) % 2 === 1) {
    let n = Math.floor(x * 10 ** digits); // x·10^N ends in .5 exactly
    if (n % 2 !== 0) n += 1;
    return (n / 10 ** digits).toFixed(digits);
  }
  return x.toFixed(digits);
}

function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

function padRight(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function summaryLine(spec: StatSpec, params: EvalParams, value: number): string {
  const title = spec.ap ? 'Average Precision' : 'Average Recall';
  const type = spec.ap ? '(AP)' : '(AR)';
  const thrs = params.iouThrs;
  const iouText = spec.iouThr === undefined ? `${formatFixed(thrs[0]!, 2)}:${formatFixed(thrs[thrs.length - 1]!, 2)}` : formatFixed(spec.iouThr, 2);
  return ` ${padRight(title, 18)} ${type} @[ IoU=${padRight(iouText, 9)} | area=${padLeft(spec.areaLabel, 6)} | maxDets=${padLeft(String(spec.maxDets), 3)} ] = ${formatFixed(value, 3)}`;
}

/** One `_summarize` call: mean of the selected precision (or recall) values above -1. */
function summarizeOne(spec: StatSpec, params: EvalParams, shape: AccumulateShape, precision: Float64Array, recall: Float64Array): number {
  const { T, R, K, A, M } = shape;
  const areaIndices = params.areaRngLbl.flatMap((label, i) => (label === spec.areaLabel ? [i] : []));
  const maxDetIndices = params.maxDets.flatMap((m, i) => (m === spec.maxDets ? [i] : []));
  const thresholds = spec.iouThr === undefined ? [...Array(T).keys()] : [...Array(T).keys()].filter((t) => params.iouThrs[t] === spec.iouThr);
  // numpy pairs the two index lists (s[..., aind, mind]); with one entry each it is one column.
  const pairs = Math.min(areaIndices.length, maxDetIndices.length);
  const selected = new Float64Array(thresholds.length * (spec.ap ? R : 1) * K * pairs);
  let n = 0;
  for (const t of thresholds) {
    if (spec.ap) {
      for (let r = 0; r < R; r++) {
        for (let k = 0; k < K; k++) {
          for (let p = 0; p < pairs; p++) selected[n++] = precision[(((t * R + r) * K + k) * A + areaIndices[p]!) * M + maxDetIndices[p]!]!;
        }
      }
    } else {
      for (let k = 0; k < K; k++) {
        for (let p = 0; p < pairs; p++) selected[n++] = recall[((t * K + k) * A + areaIndices[p]!) * M + maxDetIndices[p]!]!;
      }
    }
  }
  return meanAboveMinusOne(selected);
}

/** COCOeval.summarize for bbox/segm: needs at least 3 maxDets (it reads maxDets[0..2]). */
export function summarize(params: EvalParams, shape: AccumulateShape, precision: Float64Array, recall: Float64Array): Summary {
  const md = params.maxDets;
  if (md.length < 3) throw new RangeError(`summarize needs 3 maxDets values (got ${md.length}), as pycocotools' summarize`);
  const specs: StatSpec[] = [
    { ap: true, areaLabel: 'all', maxDets: 100 }, // pycocotools uses a literal 100 here
    { ap: true, iouThr: 0.5, areaLabel: 'all', maxDets: md[2]! },
    { ap: true, iouThr: 0.75, areaLabel: 'all', maxDets: md[2]! },
    { ap: true, areaLabel: 'small', maxDets: md[2]! },
    { ap: true, areaLabel: 'medium', maxDets: md[2]! },
    { ap: true, areaLabel: 'large', maxDets: md[2]! },
    { ap: false, areaLabel: 'all', maxDets: md[0]! },
    { ap: false, areaLabel: 'all', maxDets: md[1]! },
    { ap: false, areaLabel: 'all', maxDets: md[2]! },
    { ap: false, areaLabel: 'small', maxDets: md[2]! },
    { ap: false, areaLabel: 'medium', maxDets: md[2]! },
    { ap: false, areaLabel: 'large', maxDets: md[2]! },
  ];
  const stats = specs.map((spec) => summarizeOne(spec, params, shape, precision, recall));
  const lines = specs.map((spec, i) => summaryLine(spec, params, stats[i]!));
  return { stats, lines };
}

export interface CategoryMetrics {
  readonly categoryId: number;
  readonly name: string;
  /** AP at each IoU threshold (area 'all', largest maxDets); -1 without ground truth. */
  readonly apPerIou: readonly number[];
  /** Recall at each IoU threshold (area 'all', largest maxDets). */
  readonly recallPerIou: readonly number[];
  readonly ap: number;
  readonly ap50: number;
  readonly ap75: number;
  /** AR at the largest maxDets (AR100 by default). */
  readonly ar: number;
}

/** Per-category values, all at area 'all' (first area range when unlabeled) and the largest maxDets. */
export function perCategoryMetrics(
  params: EvalParams,
  shape: AccumulateShape,
  precision: Float64Array,
  recall: Float64Array,
  categoryName: (id: number) => string,
): CategoryMetrics[] {
  if (!params.useCats) return [];
  const { T, R, K, A, M } = shape;
  const allIndex = Math.max(0, params.areaRngLbl.indexOf('all'));
  const m = M - 1;
  const iouIndex = (thr: number): number => params.iouThrs.indexOf(thr);
  const metrics: CategoryMetrics[] = [];
  for (let k = 0; k < K; k++) {
    const apPerIou: number[] = [];
    const recallPerIou: number[] = [];
    const all: number[] = [];
    for (let t = 0; t < T; t++) {
      const row: number[] = [];
      for (let r = 0; r < R; r++) row.push(precision[(((t * R + r) * K + k) * A + allIndex) * M + m]!);
      apPerIou.push(meanAboveMinusOne(row));
      all.push(...row);
      recallPerIou.push(recall[((t * K + k) * A + allIndex) * M + m]!);
    }
    const at = (thr: number): number => (iouIndex(thr) >= 0 ? apPerIou[iouIndex(thr)]! : -1);
    const id = params.catIds[k]!;
    metrics.push({
      categoryId: id,
      name: categoryName(id),
      apPerIou,
      recallPerIou,
      ap: meanAboveMinusOne(all),
      ap50: at(0.5),
      ap75: at(0.75),
      ar: meanAboveMinusOne(recallPerIou),
    });
  }
  return metrics;
}
