import { Rng } from '@kestrel/runtime';
import { buildImageRecords, type ImageRecord } from '../coco/records';
import { loadCocoInstances } from '../coco/load';
import { isRle, type Polygon, type RleObject } from '../coco/types';
import { decodeImage } from '../image/decode';
import { flipImage } from '../image/rgb-image';
import { bitmapBox, countPixels, resizeBitmapNearest, type Bitmap } from '../mask/bitmap';
import { polygonsToBitmap } from '../mask/polygon';
import { decodeRle } from '../mask/rle';
import { describeWithTinyCoco, TINY_COCO } from '../test-support/shared-data';
import { planAugmentation, type AugmentationPlan } from './augment';
import { flipBox, flipPolygon, flipRle, scaleBox } from './geometry';
import { transformInstances } from './instances';
import { pickShortEdge, resizeShape } from './resize';

describe('resizeShape (detectron2 ResizeShortestEdge)', () => {
  it.each([
    // [h, w, short, max] → [h', w'], worked by hand from the rule.
    [480, 640, 800, 1333, [800, 1067]], // 640 · 800/480 = 1066.67 → 1067
    [640, 480, 800, 1333, [1067, 800]],
    [360, 640, 800, 1333, [750, 1333]], // long side 1422.2 > 1333: ×0.93727 → 749.8, 1333
    [256, 256, 512, 1333, [512, 512]],
    [1000, 2000, 512, 800, [400, 800]],
    [427, 640, 512, 853, [512, 767]], // 640 · 512/427 = 767.4
    [300, 400, 0, 1333, [300, 400]], // 0 keeps the size
  ])('%i×%i, short %i, max %i → %j', (h, w, short, max, expected) => {
    expect(resizeShape(h, w, short, max)).toEqual(expected);
  });

  it('samples multi-scale sizes from the list, seeded', () => {
    const sizes = [480, 512, 544];
    const drawn = Array.from({ length: 60 }, (_, i) => pickShortEdge({ shortEdge: sizes }, new Rng(1).fork(String(i))));
    expect(new Set(drawn)).toEqual(new Set(sizes));
    const again = Array.from({ length: 60 }, (_, i) => pickShortEdge({ shortEdge: sizes }, new Rng(1).fork(String(i))));
    expect(again).toEqual(drawn);
    const ranged = Array.from({ length: 200 }, (_, i) => pickShortEdge({ shortEdge: [10, 13], sampleStyle: 'range' }, new Rng(2).fork(String(i))));
    expect(new Set(ranged)).toEqual(new Set([10, 11, 12, 13]));
  });

  it('flips about half the images at probability 0.5', () => {
    const flips = Array.from({ length: 400 }, (_, i) => planAugmentation(100, 200, { shortEdge: 64, flipProbability: 0.5 }, new Rng(i)).flip);
    const share = flips.filter(Boolean).length / flips.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
  });
});

function iou(a: Bitmap, b: Bitmap): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    inter += a.data[i]! & b.data[i]!;
    union += a.data[i]! | b.data[i]!;
  }
  return union === 0 ? 1 : inter / union;
}

describeWithTinyCoco('transform geometry on tiny-coco', () => {
  let records: ImageRecord[];
  beforeAll(async () => {
    records = buildImageRecords(await loadCocoInstances(TINY_COCO.annotations));
  });

  it('flipping twice is the identity for boxes, polygons, RLE and pixels', async () => {
    let worst = 0;
    let rles = 0;
    for (const record of records) {
      for (const instance of [...record.instances, ...record.crowds]) {
        const twice = flipBox(flipBox(instance.box, record.width), record.width);
        twice.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - instance.box[i]!))));
        const segmentation = instance.segmentation!;
        if (isRle(segmentation)) {
          const flipped = flipRle(segmentation);
          expect(flipped.counts).not.toEqual(segmentation.counts);
          expect(flipRle(flipped).counts).toEqual(segmentation.counts);
          rles++;
        } else {
          for (const polygon of segmentation) {
            const back = flipPolygon(flipPolygon(polygon, record.width), record.width);
            back.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - polygon[i]!))));
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-9);
    expect(rles).toBe(1);
    const image = await decodeImage(TINY_COCO.images, records[0]!.fileName);
    expect(Buffer.from(flipImage(flipImage(image)).data).equals(Buffer.from(image.data))).toBe(true);
  });

  it('a flipped mask is the mirror image of the mask', () => {
    const record = records.find((r) => r.crowds.length > 0)!;
    const rle = record.crowds[0]!.segmentation as RleObject;
    const original = decodeRle(rle);
    const flipped = decodeRle(flipRle(rle));
    const w = record.width;
    let mismatches = 0;
    for (let y = 0; y < record.height; y++) {
      for (let x = 0; x < w; x++) mismatches += flipped.data[y * w + x] === original.data[y * w + (w - 1 - x)] ? 0 : 1;
    }
    expect(mismatches).toBe(0);
    expect(countPixels(flipped)).toBe(countPixels(original));
  });

  it('resized and flipped boxes and masks stay aligned, and mask areas scale with the image', () => {
    let checked = 0;
    for (const [index, record] of records.entries()) {
      // Up- and downscaling, flipped and not.
      const short = index % 2 === 0 ? 512 : 256;
      const [height, width] = resizeShape(record.height, record.width, short, 1333);
      const plan: AugmentationPlan = { sourceHeight: record.height, sourceWidth: record.width, height, width, flip: index % 3 === 0 };
      const sx = width / record.width;
      const sy = height / record.height;
      const targets = transformInstances(record, plan);
      expect(targets.labels.length).toBe(record.instances.length);
      record.instances.forEach((instance, i) => {
        const mask = targets.masks[i]!;
        if (mask.kind !== 'polygons') throw new Error('tiny-coco instances are polygons');
        const resized = polygonsToBitmap(mask.polygons, height, width);
        // Area: the pixel count scales with sx·sy, within rasterisation error of the outline.
        const expectedArea = instance.area * sx * sy;
        const outline = mask.polygons.reduce((s, p) => s + perimeterOf(p), 0);
        expect(Math.abs(countPixels(resized) - expectedArea)).toBeLessThanOrEqual(0.5 * outline + 1);
        // The box is the transformed polygons' extent (COCO boxes are the polygon extent within
        // a pixel), and every mask pixel lies inside it.
        const box = Array.from(targets.boxes.subarray(4 * i, 4 * i + 4));
        const xs = mask.polygons.flatMap((p) => p.filter((_, k) => k % 2 === 0));
        const ys = mask.polygons.flatMap((p) => p.filter((_, k) => k % 2 === 1));
        const extent = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
        const slack = [sx, sy, sx, sy].map((s) => s + 1e-3);
        extent.forEach((v, k) => expect(Math.abs(Math.min(Math.max(v, 0), k % 2 ? height : width) - box[k]!)).toBeLessThanOrEqual(slack[k]!));
        const maskBox = bitmapBox(resized);
        if (maskBox) {
          expect(maskBox[0]).toBeGreaterThanOrEqual(Math.floor(box[0]!));
          expect(maskBox[1]).toBeGreaterThanOrEqual(Math.floor(box[1]!));
          expect(maskBox[2]).toBeLessThanOrEqual(Math.ceil(box[2]!));
          expect(maskBox[3]).toBeLessThanOrEqual(Math.ceil(box[3]!));
        }
        // The same mask transformed as a bitmap (rasterise, resize nearest, mirror) overlaps it.
        if (instance.area > 1000) {
          let reference = resizeBitmapNearest(polygonsToBitmap(instance.segmentation as Polygon[], record.height, record.width), height, width);
          if (plan.flip) reference = mirror(reference);
          expect(iou(resized, reference)).toBeGreaterThan(0.9);
          checked++;
        }
      });
      // Crowd regions are transformed as boxes.
      record.crowds.forEach((crowd, i) => {
        const expected = plan.flip ? flipBox(scaleBox(crowd.box, sx, sy), width) : scaleBox(crowd.box, sx, sy);
        Array.from(targets.crowdBoxes.subarray(4 * i, 4 * i + 4)).forEach((v, k) => expect(v).toBeCloseTo(Math.min(expected[k]!, k % 2 ? height : width), 3));
      });
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('a resized and flipped RLE mask becomes a bitmap aligned with its box', () => {
    const record = records.find((r) => r.crowds.length > 0)!;
    const crowd = record.crowds[0]!;
    const withRleInstance: ImageRecord = { ...record, instances: [{ ...crowd, area: 0 }], crowds: [] };
    const [height, width] = resizeShape(record.height, record.width, 512, 1333);
    const targets = transformInstances(withRleInstance, { sourceHeight: record.height, sourceWidth: record.width, height, width, flip: true });
    const mask = targets.masks[0]!;
    expect(mask.kind).toBe('bitmap');
    const maskBox = bitmapBox(mask.kind === 'bitmap' ? mask.bitmap : polygonsToBitmap([], 1, 1))!;
    const box = targets.boxes;
    for (let k = 0; k < 4; k++) expect(Math.abs(maskBox[k]! - box[k]!)).toBeLessThanOrEqual(2.5);
  });
});

function perimeterOf(p: number[]): number {
  let total = 0;
  const k = p.length / 2;
  for (let i = 0; i < k; i++) {
    const j = (i + 1) % k;
    total += Math.hypot(p[2 * j]! - p[2 * i]!, p[2 * j + 1]! - p[2 * i + 1]!);
  }
  return total;
}

function mirror(b: Bitmap): Bitmap {
  const out = new Uint8Array(b.data.length);
  for (let y = 0; y < b.height; y++) for (let x = 0; x < b.width; x++) out[y * b.width + x] = b.data[y * b.width + b.width - 1 - x]!;
  return { ...b, data: out };
}
