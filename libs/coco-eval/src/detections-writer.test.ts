import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CocoGroundTruth, decodeRle, evaluateCocoSync, loadResults, rleFromString, toCocoResults, writeCocoResults } from './index';

describe('toCocoResults', () => {
  it('converts xyxy boxes in input coordinates to xywh in original coordinates, labels to category ids', () => {
    const results = toCocoResults(
      {
        imageId: 42,
        boxes: Float32Array.from([10, 20, 50, 60, -4, 0, 300, 100]),
        scores: [0.9, 0.25],
        labels: [0, 2],
        inputSize: { height: 200, width: 200 },
        originalSize: { height: 100, width: 400 },
      },
      { categoryIds: [1, 2, 90] },
    );
    expect(results).toEqual([
      { image_id: 42, category_id: 1, bbox: [20, 10, 80, 20], score: 0.9 },
      // x1 = -8 is clipped to 0, x2 = 600 to the width 400
      { image_id: 42, category_id: 90, bbox: [0, 0, 400, 50], score: 0.25 },
    ]);
  });

  it('encodes binary masks as compressed RLE', () => {
    const mask = new Uint8Array(2 * 3 * 4);
    mask[1 * 4 + 2] = 1; // detection 0: pixel (x 2, y 1)
    mask[12 + 0] = 1; // detection 1: pixel (0, 0)
    const [a, b] = toCocoResults(
      { imageId: 1, boxes: [0, 0, 1, 1, 0, 0, 1, 1], scores: [1, 1], labels: [0, 0], masks: { data: mask, height: 3, width: 4 } },
      { categoryIds: [5] },
    );
    expect(a!.segmentation!.size).toEqual([3, 4]);
    expect(Array.from(decodeRle(rleFromString(a!.segmentation!.counts, 3, 4)))).toEqual(Array.from(mask.subarray(0, 12)));
    expect(Array.from(decodeRle(rleFromString(b!.segmentation!.counts, 3, 4)))).toEqual(Array.from(mask.subarray(12)));
  });

  it('rejects labels without a category and inconsistent inputs', () => {
    expect(() => toCocoResults({ imageId: 3, boxes: [0, 0, 1, 1], scores: [1], labels: [7] }, { categoryIds: [1, 2] })).toThrow(
      'image 3, detection 0: label 7 has no COCO category (categoryIds has 2 entries)',
    );
    expect(() => toCocoResults({ imageId: 3, boxes: [0, 0, 1], scores: [1], labels: [0] }, { categoryIds: [1] })).toThrow(/3 box values for 1 scores/);
    expect(() => toCocoResults({ imageId: 3, boxes: [0, 0, 1, NaN], scores: [1], labels: [0] }, { categoryIds: [1] })).toThrow(/non-finite/);
  });

  it('writes a results file that loads and evaluates', () => {
    const gt = CocoGroundTruth.fromDataset({
      images: [{ id: 9, width: 40, height: 30 }],
      categories: [{ id: 5, name: 'a' }],
      annotations: [{ id: 1, image_id: 9, category_id: 5, bbox: [4, 2, 10, 8], area: 80, iscrowd: 0 }],
    });
    const path = join(mkdtempSync(join(tmpdir(), 'coco-writer-')), 'predictions.json');
    writeCocoResults(path, toCocoResults({ imageId: 9, boxes: [4, 2, 14, 10], scores: [0.7], labels: [0] }, { categoryIds: [5] }));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([{ image_id: 9, category_id: 5, bbox: [4, 2, 10, 8], score: 0.7 }]);
    expect(evaluateCocoSync(gt, loadResults(gt, path)).perCategory[0]!.recallPerIou).toEqual(new Array(10).fill(1));
  });
});
