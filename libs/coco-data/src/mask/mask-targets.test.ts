import { buildImageRecords } from '../coco/records';
import { loadCocoInstances } from '../coco/load';
import type { Polygon } from '../coco/types';
import { describeWithTinyCoco, TINY_COCO } from '../test-support/shared-data';
import type { InstanceMask } from '../transforms/instances';
import { maskTargets } from './mask-targets';
import { polygonsToBitmap } from './polygon';

const rows = (target: Float32Array, size: number): string[] =>
  Array.from({ length: size }, (_, y) => Array.from(target.subarray(y * size, (y + 1) * size)).map((v) => (v ? '#' : '.')).join(''));

describe('maskTargets', () => {
  const square: InstanceMask = { kind: 'polygons', polygons: [[10, 20, 66, 20, 66, 76, 10, 76]] };
  const squareBitmap: InstanceMask = { kind: 'bitmap', bitmap: polygonsToBitmap(square.kind === 'polygons' ? square.polygons : [], 100, 100) };

  it.each([
    ['polygons', square],
    ['bitmap (RoIAlign)', squareBitmap],
  ])('fills the whole target when the box is the object (%s)', (_name, mask) => {
    const target = maskTargets([mask], [10, 20, 66, 76], [0], { size: 28 });
    expect(target.length).toBe(28 * 28);
    expect(target.every((v) => v === 1)).toBe(true);
  });

  it.each([
    ['polygons', square],
    ['bitmap (RoIAlign)', squareBitmap],
  ])('puts the object in the left half when the box extends to the right (%s)', (_name, mask) => {
    // Box twice as wide as the object: columns 0..13 of 28 are inside.
    const target = maskTargets([mask], [10, 20, 122, 76], [0], { size: 28 });
    const expected = '#'.repeat(14) + '.'.repeat(14);
    expect(rows(target, 28)).toEqual(Array(28).fill(expected));
  });

  it('supports other sizes, several boxes, and empty targets for missing masks', () => {
    const target = maskTargets([square, null], [10, 20, 66, 76, 0, 0, 10, 10], [0, 1], { size: 14 });
    expect(target.length).toBe(2 * 14 * 14);
    expect(target.subarray(0, 196).every((v) => v === 1)).toBe(true);
    expect(target.subarray(196).every((v) => v === 0)).toBe(true);
    expect(() => maskTargets([square], [0, 0, 1, 1], [3])).toThrow('gt index 3 out of range [0, 1)');
  });
});

describeWithTinyCoco('maskTargets on tiny-coco', () => {
  it('polygon targets agree with RoIAlign targets of the rasterised masks', async () => {
    const records = buildImageRecords(await loadCocoInstances(TINY_COCO.annotations));
    let compared = 0;
    let agreement = 0;
    for (const record of records.slice(0, 6)) {
      const big = record.instances.filter((i) => i.area > 2000);
      if (big.length === 0) continue;
      const polygons: InstanceMask[] = big.map((i) => ({ kind: 'polygons', polygons: i.segmentation as Polygon[] }));
      const bitmaps: InstanceMask[] = big.map((i) => ({ kind: 'bitmap', bitmap: polygonsToBitmap(i.segmentation as Polygon[], record.height, record.width) }));
      const boxes = big.flatMap((i) => i.box);
      const indices = big.map((_, k) => k);
      const a = maskTargets(polygons, boxes, indices);
      const b = maskTargets(bitmaps, boxes, indices);
      for (let i = 0; i < a.length; i++) agreement += a[i] === b[i] ? 1 : 0;
      compared += a.length;
      // Each object fills a good part of its own box.
      for (let k = 0; k < big.length; k++) {
        const filled = a.subarray(k * 784, (k + 1) * 784).reduce((s, v) => s + v, 0) / 784;
        expect(filled).toBeGreaterThan(0.15);
      }
    }
    expect(compared).toBeGreaterThan(10 * 784);
    expect(agreement / compared).toBeGreaterThan(0.95);
  });
});
