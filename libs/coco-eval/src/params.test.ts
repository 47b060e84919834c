/**
 * Custom parameters, checked against the reference arrays: matching at one IoU threshold does not
 * depend on the other thresholds, area ranges or maxDets, so a custom setting must reproduce the
 * matching slices of pycocotools' default-parameter arrays exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CocoGroundTruth, evaluateCocoSync, loadResults, resolveParams, summarize, type CocoEvalResult } from './index';
import { flattenNested, loadFixtureSet } from './test-fixtures';

const set = loadFixtureSet('small_bbox');
const expected = set.evaluations[0]!;
const reference = JSON.parse(readFileSync(join(set.dir, 'expected_small_bbox_arrays.json'), 'utf8')) as {
  evaluations: { useCats: number; precision: unknown; recall: unknown }[];
};
const refPrecision = flattenNested(reference.evaluations[0]!.precision); // [10, 101, 5, 4, 3]
const refRecall = flattenNested(reference.evaluations[0]!.recall); // [10, 5, 4, 3]
const [T0, R, K, A0, M0] = [10, 101, 5, 4, 3];

const gt = CocoGroundTruth.fromFile(join(set.dir, expected.gt));
const dt = loadResults(gt, join(set.dir, expected.results));

/** The reference precision restricted to thresholds ts, area ranges as, maxDets ms (C order). */
function referenceSlice(ts: number[], as: number[], ms: number[]): { precision: number[]; recall: number[] } {
  const precision: number[] = [];
  const recall: number[] = [];
  for (const t of ts) {
    for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) for (const a of as) for (const m of ms) precision.push(refPrecision[(((t * R + r) * K + k) * A0 + a) * M0 + m]!);
    for (let k = 0; k < K; k++) for (const a of as) for (const m of ms) recall.push(refRecall[((t * K + k) * A0 + a) * M0 + m]!);
  }
  return { precision, recall };
}

function arrays(result: CocoEvalResult): { precision: number[]; recall: number[] } {
  return { precision: Array.from(result.precision), recall: Array.from(result.recall) };
}

describe('configurable parameters', () => {
  it('iouThrs [0.5, 0.75] reproduce those rows, AP50 and AP75', () => {
    const result = evaluateCocoSync(gt, dt, { iouThrs: [0.5, 0.75] });
    expect(result.shape).toEqual({ T: 2, R, K, A: A0, M: M0 });
    expect(arrays(result)).toEqual(referenceSlice([0, 5], [0, 1, 2, 3], [0, 1, 2]));
    expect(result.stats[1]).toBe(expected.stats[1]);
    expect(result.stats[2]).toBe(expected.stats[2]);
  });

  it('a single area range reproduces the "all" slice; area stats without their label are -1', () => {
    const result = evaluateCocoSync(gt, dt, { areaRng: [[0, 1e10]], areaRngLbl: ['all'] });
    expect(arrays(result)).toEqual(referenceSlice([...Array(T0).keys()], [0], [0, 1, 2]));
    expect(result.stats.slice(0, 3)).toEqual(expected.stats.slice(0, 3));
    expect(result.stats.slice(6, 9)).toEqual(expected.stats.slice(6, 9));
    expect([result.stats[3], result.stats[4], result.stats[5], result.stats[9], result.stats[10], result.stats[11]]).toEqual([-1, -1, -1, -1, -1, -1]);
  });

  it('maxDets are sorted like pycocotools; [10, 100] reproduces those slices', () => {
    const shuffled = evaluateCocoSync(gt, dt, { maxDets: [100, 1, 10] });
    expect(shuffled.stats).toEqual(expected.stats);
    const result = evaluateCocoSync(gt, dt, { maxDets: [100, 10] });
    expect(arrays(result)).toEqual(referenceSlice([...Array(T0).keys()], [0, 1, 2, 3], [1, 2]));
    expect(() => summarize(result.params, result.shape, result.precision, result.recall)).toThrow(/needs 3 maxDets/);
  });

  it('catIds restricts the evaluation to those categories', () => {
    const result = evaluateCocoSync(gt, dt, { catIds: [3, 1] });
    expect(result.perCategory.map((c) => c.categoryId)).toEqual([1, 3]);
    const byId = new Map(result.perCategory.map((c) => [c.categoryId, c.ap]));
    expect(byId.get(1)).toBe(expected.per_category!['1']!.AP);
    expect(byId.get(3)).toBe(expected.per_category!['3']!.AP);
  });

  it('recThrs can be changed', () => {
    const result = evaluateCocoSync(gt, dt, { recThrs: [0, 0.5, 1] });
    expect(result.shape.R).toBe(3);
  });

  it('rejects malformed options', () => {
    expect(() => resolveParams({ iouType: 'keypoints' as 'bbox' }, [], [])).toThrow(/keypoints are not supported/);
    expect(() => resolveParams({ maxDets: [] }, [], [])).toThrow(/maxDets/);
    expect(() => resolveParams({ areaRng: [[0, 1]], areaRngLbl: ['a', 'b'] }, [], [])).toThrow(/one label per areaRng/);
  });
});
