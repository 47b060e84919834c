import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CocoGroundTruth, CocoInputError, evaluateCocoSync, loadResults } from './index';

const gtData = {
  images: [
    { id: 1, width: 20, height: 10 },
    { id: 2, width: 20, height: 10 },
  ],
  categories: [
    { id: 3, name: 'cat' },
    { id: 5, name: 'dog' },
  ],
  annotations: [
    { id: 10, image_id: 1, category_id: 3, bbox: [0, 0, 10, 5], area: 50, iscrowd: 0, segmentation: [[0, 0, 10, 0, 10, 5, 0, 5]] },
    { id: 11, image_id: 2, category_id: 5, bbox: [2, 2, 4, 4], area: 16, iscrowd: 0, segmentation: [[2, 2, 6, 2, 6, 6, 2, 6]] },
  ],
};
const gt = CocoGroundTruth.fromDataset(gtData, 'gt.json');
const dir = mkdtempSync(join(tmpdir(), 'coco-eval-test-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadResults: pycocotools loadRes branches', () => {
  it('bbox branch: area = w·h, ids index + 1, missing segmentation = the box polygon', () => {
    const dt = loadResults(gt, [
      { image_id: 1, category_id: 3, bbox: [0, 0, 10, 5], score: 0.9 },
      { image_id: 2, category_id: 5, bbox: [2.5, 2, 4, 3.5], score: 0.8 },
    ]);
    expect(dt.branch).toBe('bbox');
    expect(Array.from(dt.areas)).toEqual([50, 14]);
    expect(Array.from(dt.boxes)).toEqual([0, 0, 10, 5, 2.5, 2, 4, 3.5]);
    expect(dt.segmentations).toEqual([undefined, undefined]);
    // segm evaluation of box results rasterises the box: the first matches its GT exactly
    const segm = evaluateCocoSync(gt, dt, { iouType: 'segm' });
    expect(segm.perCategory[0]!.recallPerIou).toEqual(new Array(10).fill(1));
    expect(segm.perCategory[0]!.ap).toBeCloseTo(1, 12); // pycocotools' precision is tp / (tp + fp + eps)
  });

  it('segm branch: area and bbox come from the mask unless a bbox is given', () => {
    const dt = loadResults(gt, [
      { image_id: 1, category_id: 3, segmentation: { size: [10, 20], counts: [12, 3, 185] }, score: 0.5 },
      { image_id: 1, category_id: 3, segmentation: { size: [10, 20], counts: [12, 3, 185] }, bbox: [1, 1, 1, 1], score: 0.5 },
      { image_id: 2, category_id: 5, segmentation: [[2, 2, 6, 2, 6, 6]], score: 0.5 },
    ]);
    expect(dt.branch).toBe('segm');
    expect(Array.from(dt.areas.subarray(0, 2))).toEqual([3, 3]);
    expect(Array.from(dt.boxes.subarray(0, 8))).toEqual([1, 2, 1, 3, 1, 1, 1, 1]);
    expect(dt.segmentations[2]).toMatchObject({ kind: 'rle' }); // polygons are accepted (pycocotools crashes)
  });

  it('keypoints branch: area and bbox from the keypoints extent', () => {
    const dt = loadResults(gt, [{ image_id: 1, category_id: 3, keypoints: [1, 2, 2, 5, 8, 2, 3, 4, 0], score: 1 }]);
    expect(dt.branch).toBe('keypoints');
    expect(dt.areas[0]).toBe(24);
    expect(Array.from(dt.boxes)).toEqual([1, 2, 4, 6]);
  });

  it('keeps results of unknown categories out of the evaluation, with a warning (or an error on request)', () => {
    const results = [
      { image_id: 1, category_id: 3, bbox: [0, 0, 10, 5], score: 0.9 },
      { image_id: 1, category_id: 99, bbox: [0, 0, 10, 5], score: 0.95 },
    ];
    const dt = loadResults(gt, results, { source: 'res.json' });
    expect(dt.warnings).toEqual([expect.stringMatching(/1 result\(s\) have category ids .* results\[1\] \(image_id 1\): category_id 99/)]);
    expect(evaluateCocoSync(gt, dt).perCategory[0]!.recallPerIou).toEqual(new Array(10).fill(1));
    expect(() => loadResults(gt, results, { source: 'res.json', unknownCategory: 'error' })).toThrow(
      'res.json: results[1] (image_id 1): category_id 99 is not a ground-truth category',
    );
  });
});

describe('bad input gets an error naming the file and the entry', () => {
  const cases: [string, string, RegExp][] = [
    ['malformed JSON', '[{"image_id": 1,}]', /bad\.json: malformed JSON at line 1, column \d+/],
    ['an empty results list', '[]', /bad\.json: results file is empty: it contains no detections/],
    ['an empty file', '', /bad\.json: file is empty/],
    ['not a list', '{"image_id": 1}', /bad\.json: results must be a JSON list of detections/],
    ['an image id absent from the GT', '[{"image_id": 7, "category_id": 3, "bbox": [0,0,1,1], "score": 1}]', /bad\.json: results\[0\] \(image_id 7\): image id 7 is not in the ground truth \(gt\.json\)/],
    ['a bbox with 3 numbers', '[{"image_id": 1, "category_id": 3, "bbox": [0,0,1,1], "score": 1}, {"image_id": 2, "category_id": 3, "bbox": [0,0,1], "score": 1}]', /bad\.json: results\[1\] \(image_id 2\): bbox must be 4 finite numbers \[x, y, w, h\], got \[0,0,1\]/],
    ['a bbox with a non-number', '[{"image_id": 1, "category_id": 3, "bbox": [0,0,"1",1], "score": 1}]', /results\[0\] \(image_id 1\): bbox must be 4 finite numbers/],
    ['a bbox with a negative size', '[{"image_id": 1, "category_id": 3, "bbox": [0,0,-1,1], "score": 1}]', /results\[0\] \(image_id 1\): bbox has a negative width or height/],
    ['a missing score', '[{"image_id": 1, "category_id": 3, "bbox": [0,0,1,1]}]', /results\[0\] \(image_id 1\): score must be a finite number/],
    ['a segmentation that is neither polygon nor RLE', '[{"image_id": 1, "category_id": 3, "segmentation": "abc", "score": 1}]', /results\[0\] \(image_id 1\): segmentation must be a list of polygons or an RLE object/],
    ['a polygon ring with fewer than 3 points', '[{"image_id": 1, "category_id": 3, "segmentation": [[1,1,2,2,3,3],[1,1]], "score": 1}]', /results\[0\] \(image_id 1\): segmentation\[1\]: polygon ring has 2 numbers; rings need at least 3 points/],
    ['a polygon ring of exactly 4 numbers', '[{"image_id": 1, "category_id": 3, "segmentation": [[1,1,2,2]], "score": 1}]', /results\[0\] \(image_id 1\): segmentation\[0\]: polygon ring has only 2 points/],
    ['an RLE with a negative size', '[{"image_id": 1, "category_id": 3, "segmentation": {"size": [-10, 20], "counts": "0"}, "score": 1}]', /results\[0\] \(image_id 1\): RLE size must not be negative/],
    ['caption results', '[{"image_id": 1, "caption": "a cat"}]', /bad\.json: results\[0\]: caption results are not detections/],
    ['a result without geometry', '[{"image_id": 1, "category_id": 3, "score": 1}]', /results\[0\]: has none of "bbox", "segmentation" or "keypoints"/],
  ];
  it.each(cases)('%s', (_what, text, message) => {
    const path = file('bad.json', text);
    expect(() => loadResults(gt, path)).toThrow(CocoInputError);
    expect(() => loadResults(gt, path)).toThrow(message);
  });

  it('a missing results file', () => {
    expect(() => loadResults(gt, join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read file \(ENOENT\)/);
  });
});

describe('ground-truth validation', () => {
  const withAnnotation = (patch: Record<string, unknown>): unknown => ({
    ...gtData,
    annotations: [gtData.annotations[0], { ...gtData.annotations[1], ...patch }],
  });
  it.each([
    ['a negative area', withAnnotation({ area: -3 }), /gt\.json: annotations\[1\] \(id 11\): area must not be negative/],
    ['a missing area', withAnnotation({ area: undefined }), /annotations\[1\] \(id 11\): area must be a finite number/],
    ['a duplicate annotation id', withAnnotation({ id: 10 }), /annotations\[1\] \(id 10\): duplicate annotation id \(also annotations\[0\]\)/],
    ['a negative image size', { ...gtData, images: [{ id: 1, width: -20, height: 10 }] }, /gt\.json: images\[0\] \(id 1\): width must not be negative/],
    ['no annotations list', { images: [], categories: [] }, /gt\.json: "annotations" must be a list/],
    ['a list instead of an object', [], /gt\.json: a COCO annotation file must be a JSON object/],
  ])('rejects %s', (_what, data, message) => {
    expect(() => CocoGroundTruth.fromDataset(data, 'gt.json')).toThrow(message);
  });

  it('reports a bad GT bbox when a bbox evaluation needs it', () => {
    const bad = CocoGroundTruth.fromDataset(withAnnotation({ bbox: [1, 2, 3] }), 'gt.json');
    const dt = loadResults(bad, [{ image_id: 1, category_id: 3, bbox: [0, 0, 10, 5], score: 1 }]);
    expect(() => evaluateCocoSync(bad, dt)).toThrow(/gt\.json: annotations\[1\] \(id 11\): bbox must be 4 finite numbers/);
  });

  it('reports a bad GT polygon when a segm evaluation needs it', () => {
    const bad = CocoGroundTruth.fromDataset(withAnnotation({ segmentation: [[1, 2, 3, 4]] }), 'gt.json');
    const dt = loadResults(bad, [{ image_id: 1, category_id: 3, bbox: [0, 0, 10, 5], score: 1 }]);
    expect(() => evaluateCocoSync(bad, dt, { iouType: 'segm' })).toThrow(/annotations\[1\] \(id 11\): segmentation\[0\]: polygon ring has only 2 points/);
  });
});
