/**
 * Golden tests: every number must equal pycocotools 2.0.11's (numpy 1.24) exactly, on the
 * reference fixtures: small_bbox (synthetic stress cases, useCats 1 and 0), coco_val2014_100
 * (real COCO GT with cocoapi's official fake bbox/segm results) and tiny_coco (real COCO
 * annotations with synthetic detections; bbox, segm, and segm results evaluated as boxes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CocoGroundTruth, evaluateCocoSync, loadResults, STAT_NAMES, type CocoEvalResult } from './index';
import { flattenNested, loadFixtureSet, sha256OfFile, sha256OfFloat64, type ExpectedEvaluation } from './test-fixtures';

const sets = [loadFixtureSet('small_bbox'), loadFixtureSet('coco_val2014_100'), loadFixtureSet('tiny_coco')];

describe.each(sets)('$name', (set) => {
  it('inputs are the files the reference was computed from (sha256)', () => {
    for (const [name, { sha256 }] of Object.entries(set.files)) expect([name, sha256OfFile(join(set.dir, name))]).toEqual([name, sha256]);
  });

  describe.each(set.evaluations.map((e) => [`${e.iouType} of ${e.results}, useCats=${e.useCats}`, e] as const))('%s', (_label, expected: ExpectedEvaluation) => {
    let result: CocoEvalResult;
    beforeAll(() => {
      const gt = CocoGroundTruth.fromFile(join(set.dir, expected.gt));
      const dt = loadResults(gt, join(set.dir, expected.results));
      result = evaluateCocoSync(gt, dt, { iouType: expected.iouType, useCats: expected.useCats === 1 });
    });

    it('gives the 12 summary stats bit for bit', () => {
      expect(result.stats).toHaveLength(12);
      STAT_NAMES.forEach((_name, i) => expect(result.stats[i]).toBe(expected.stats[i]));
    });

    it("prints pycocotools' 12 summary lines", () => {
      expect(result.summaryLines).toEqual(expected.summary_text);
    });

    it('gives every per-category value bit for bit', () => {
      if (expected.per_category === null) {
        expect(result.perCategory).toEqual([]);
        return;
      }
      expect(result.perCategory.map((c) => c.categoryId)).toEqual(expected.catIds);
      for (const category of result.perCategory) {
        const want = expected.per_category[String(category.categoryId)]!;
        expect({ id: category.categoryId, ap: category.ap, ap50: category.ap50, ap75: category.ap75, ar: category.ar }).toEqual({
          id: category.categoryId,
          ap: want.AP,
          ap50: want.AP50,
          ap75: want.AP75,
          ar: want.AR100,
        });
        expect(category.apPerIou).toEqual(want.AP_per_iou);
        expect(category.recallPerIou).toEqual(want.recall_per_iou);
      }
    });

    it('gives the full precision [T,R,K,A,M] and recall [T,K,A,M] arrays (sha256 of the float64 bytes)', () => {
      const { T, R, K, A, M } = result.shape;
      expect([T, R, K, A, M]).toEqual(expected.precision_shape);
      expect(sha256OfFloat64(result.precision)).toBe(expected.precision_sha256);
      expect(sha256OfFloat64(result.recall)).toBe(expected.recall_sha256);
    });

    it('counts images, ground truths and detections as pycocotools', () => {
      expect(result.counts).toEqual({ images: expected.num_images, groundTruths: expected.num_gt, detections: expected.num_dt });
    });
  });
});

describe('small_bbox precision/recall arrays (expected_small_bbox_arrays.json)', () => {
  const set = sets[0]!;
  const arrays = JSON.parse(readFileSync(join(set.dir, 'expected_small_bbox_arrays.json'), 'utf8')) as {
    evaluations: { gt: string; results: string; iouType: 'bbox'; useCats: 0 | 1; precision: unknown; recall: unknown }[];
  };

  it.each(arrays.evaluations.map((e) => [e.useCats, e] as const))('useCats=%s: every element equals pycocotools', (_useCats, expected) => {
    const gt = CocoGroundTruth.fromFile(join(set.dir, expected.gt));
    const result = evaluateCocoSync(gt, loadResults(gt, join(set.dir, expected.results)), { useCats: expected.useCats === 1 });
    const precision = flattenNested(expected.precision);
    const recall = flattenNested(expected.recall);
    expect(result.precision).toHaveLength(precision.length);
    expect(result.recall).toHaveLength(recall.length);
    const mismatches = (actual: Float64Array, want: number[]): number[] => want.flatMap((v, i) => (actual[i] === v ? [] : [i]));
    expect(mismatches(result.precision, precision)).toEqual([]);
    expect(mismatches(result.recall, recall)).toEqual([]);
  });
});
