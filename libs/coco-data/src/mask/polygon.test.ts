import { readFileSync } from 'node:fs';
import type { CocoDataset, Polygon, RleObject } from '../coco/types';
import { describeWithTinyCoco, TINY_COCO } from '../test-support/shared-data';
import { bitmapBox, countPixels } from './bitmap';
import { polygonArea, polygonsToBitmap } from './polygon';
import { decodeRle, encodeRle, rleArea } from './rle';

function perimeter(polygon: Polygon): number {
  let total = 0;
  const k = polygon.length / 2;
  for (let i = 0; i < k; i++) {
    const j = (i + 1) % k;
    total += Math.hypot(polygon[2 * j]! - polygon[2 * i]!, polygon[2 * j + 1]! - polygon[2 * i + 1]!);
  }
  return total;
}

describe('polygon rasterisation (pycocotools rules: pixel centres inside)', () => {
  it('fills an integer rectangle exactly', () => {
    const bitmap = polygonsToBitmap([[2, 3, 12, 3, 12, 8, 2, 8]], 20, 20);
    expect(countPixels(bitmap)).toBe(50);
    expect(bitmapBox(bitmap)).toEqual([2, 3, 12, 8]);
  });

  it('takes the pixels whose centres lie inside a fractional rectangle', () => {
    // Centres x + 0.5 in [2.2, 12.2] → x = 2..11; y + 0.5 in [3.6, 8.2] → y = 4..7.
    const bitmap = polygonsToBitmap([[2.2, 3.6, 12.2, 3.6, 12.2, 8.2, 2.2, 8.2]], 20, 20);
    expect(countPixels(bitmap)).toBe(40);
    expect(bitmapBox(bitmap)).toEqual([2, 4, 12, 8]);
  });

  it('fills a right triangle by the centre rule', () => {
    // Centre (x + 0.5, y + 0.5) inside x + y < 10.2 ⇔ x + y <= 9 → 1 + 2 + … + 10 = 55 pixels.
    const bitmap = polygonsToBitmap([[0, 0, 10.2, 0, 0, 10.2]], 16, 16);
    expect(countPixels(bitmap)).toBe(55);
  });

  it('unites several polygons and clips to the image', () => {
    const bitmap = polygonsToBitmap([[0, 0, 4, 0, 4, 4, 0, 4], [2, 2, 6, 2, 6, 6, 2, 6], [8, 8, 20, 8, 20, 20, 8, 20]], 10, 10);
    expect(countPixels(bitmap)).toBe(16 + 16 - 4 + 4);
  });

  it('computes shoelace areas', () => {
    expect(polygonArea([0, 0, 4, 0, 4, 3, 0, 3])).toBe(12);
    expect(polygonArea([0, 0, 0, 3, 4, 3, 4, 0])).toBe(12);
  });
});

describeWithTinyCoco('masks of the real tiny-coco annotations', () => {
  let dataset: CocoDataset;
  let images: Map<number, CocoDataset['images'][number]>;
  beforeAll(() => {
    dataset = JSON.parse(readFileSync(TINY_COCO.annotations, 'utf8')) as CocoDataset;
    images = new Map(dataset.images.map((i) => [i.id, i]));
  });

  it('polygon pixel counts match the annotation areas within rasterisation error', () => {
    let checked = 0;
    let pixelTotal = 0;
    let areaTotal = 0;
    for (const ann of dataset.annotations) {
      if (ann.iscrowd) continue;
      const image = images.get(ann.image_id)!;
      const polygons = ann.segmentation as Polygon[];
      const pixels = countPixels(polygonsToBitmap(polygons, image.height, image.width));
      // Each unit of outline can misclassify at most about half a pixel.
      const tolerance = 0.5 * polygons.reduce((s, p) => s + perimeter(p), 0) + 1;
      expect(Math.abs(pixels - ann.area!)).toBeLessThanOrEqual(tolerance);
      pixelTotal += pixels;
      areaTotal += ann.area!;
      checked++;
    }
    expect(checked).toBe(196);
    expect(Math.abs(pixelTotal / areaTotal - 1)).toBeLessThan(0.005);
  });

  it('the crowd RLE decodes inside its box and re-encodes to the same runs', () => {
    const crowd = dataset.annotations.find((a) => a.iscrowd === 1)!;
    const rle = crowd.segmentation as RleObject;
    const bitmap = decodeRle(rle);
    const [x, y, w, h] = crowd.bbox;
    const box = bitmapBox(bitmap)!;
    // COCO's stored crowd boxes were computed from the original outline: equal within a pixel.
    expect(box[0]).toBeCloseTo(x, 0);
    expect(box[1]).toBeCloseTo(y, 0);
    expect(Math.abs(box[2] - (x + w))).toBeLessThanOrEqual(1);
    expect(Math.abs(box[3] - (y + h))).toBeLessThanOrEqual(1);
    expect(encodeRle(bitmap).counts).toEqual(rle.counts);
    expect(rleArea(rle)).toBe(countPixels(bitmap));
  });
});
