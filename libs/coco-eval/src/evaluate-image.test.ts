/** evaluateImg's matching rules, on hand-made cases whose outcome follows from the rules. */
import { CocoGroundTruth, evaluateImage, loadResults, prepareEvaluation } from './index';

const box = (id: number, bbox: number[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  image_id: 1,
  category_id: 1,
  bbox,
  area: bbox[2]! * bbox[3]!,
  iscrowd: 0,
  ...extra,
});

function evaluate(annotations: Record<string, unknown>[], results: Record<string, unknown>[], areaIndex = 0) {
  const gt = CocoGroundTruth.fromDataset({ images: [{ id: 1, width: 100, height: 100 }], categories: [{ id: 1, name: 'a' }], annotations });
  const prepared = prepareEvaluation(gt, loadResults(gt, results.map((r) => ({ image_id: 1, category_id: 1, ...r }))));
  return evaluateImage(prepared, 1, 1, areaIndex)!;
}

describe('evaluateImage (pycocotools evaluateImg)', () => {
  it('matches best score first; a matched ground truth is not taken again', () => {
    const e = evaluate([box(7, [0, 0, 10, 10])], [
      { bbox: [0, 0, 10, 10], score: 0.5 },
      { bbox: [0, 0, 10, 9], score: 0.9 },
    ]);
    expect(e.dtIds).toEqual([2, 1]); // sorted by score; ids are results index + 1
    expect(e.dtMatches[0]).toEqual([7, 0]);
    expect(e.gtMatches[0]).toEqual([2]);
  });

  it('of two ground truths with equal IoU, the later one wins', () => {
    const e = evaluate([box(7, [0, 0, 10, 10]), box(8, [0, 0, 10, 10])], [{ bbox: [0, 0, 10, 10], score: 1 }]);
    expect(e.dtMatches[0]).toEqual([8]);
  });

  it('a crowd ground truth can absorb many detections, which are then ignored', () => {
    const e = evaluate([box(7, [0, 0, 50, 50], { iscrowd: 1 })], [
      { bbox: [0, 0, 10, 10], score: 0.9 },
      { bbox: [20, 20, 10, 10], score: 0.8 },
    ]);
    expect(e.gtIgnore).toEqual([1]);
    expect(e.dtMatches[0]).toEqual([7, 7]); // crowd IoU = intersection / detection area = 1
    expect(e.dtIgnore[0]).toEqual([true, true]);
  });

  it('prefers a regular ground truth: once matched to one, it does not move to an ignored one', () => {
    const e = evaluate([box(7, [0, 0, 10, 10], { iscrowd: 1 }), box(8, [0, 0, 10, 8])], [{ bbox: [0, 0, 10, 10], score: 1 }]);
    expect(e.gtIds).toEqual([8, 7]); // ignored ground truths sorted last
    expect(e.dtMatches[0]).toEqual([8]);
    expect(e.dtIgnore[0]).toEqual([false]);
  });

  it('uses thresholds: IoU 0.64 matches at 0.5–0.6 but not from 0.65', () => {
    const e = evaluate([box(7, [0, 0, 10, 10])], [{ bbox: [0, 0, 8, 8], score: 1 }]);
    expect(e.dtMatches.map((row) => row[0])).toEqual([7, 7, 7, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('area ranges use the annotation area field, both ends inclusive; unmatched detections outside are ignored', () => {
    // area field 1024 although the box is 40×40: small (0–1024) and medium (1024–9216) both include it
    const annotations = [box(7, [0, 0, 40, 40], { area: 1024 })];
    const results = [
      { bbox: [0, 0, 40, 40], score: 0.9 },
      { bbox: [60, 60, 40, 40], score: 0.8 }, // unmatched, area 1600: outside "small"
    ];
    const small = evaluate(annotations, results, 1);
    const medium = evaluate(annotations, results, 2);
    expect(small.gtIgnore).toEqual([0]);
    expect(medium.gtIgnore).toEqual([0]);
    expect(small.dtIgnore[0]).toEqual([false, true]);
    expect(medium.dtIgnore[0]).toEqual([false, false]);
  });

  it('returns null for an image without objects of that category', () => {
    const gt = CocoGroundTruth.fromDataset({ images: [{ id: 1 }, { id: 2 }], categories: [{ id: 1 }], annotations: [box(7, [0, 0, 1, 1])] });
    const prepared = prepareEvaluation(gt, loadResults(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }]));
    expect(evaluateImage(prepared, 2, 1)).toBeNull();
  });
});
