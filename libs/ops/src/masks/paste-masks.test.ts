import * as tf from '@tensorflow/tfjs-core';
import { pasteMasksInImage, type MaskValues } from '../index';
import { initTestBackends } from '../testing/backends';

beforeAll(initTestBackends);

const masks2x2 = (...cells: number[][]): MaskValues => ({
  values: Float32Array.from(cells.flat()),
  count: cells.length,
  height: 2,
  width: 2,
});

/** Image rows as strings of 0/1 for readable comparisons. */
const rows = (mask: Uint8Array, width: number): string[] =>
  Array.from({ length: mask.length / width }, (_, y) => Array.from(mask.subarray(y * width, (y + 1) * width)).join(''));

describe('pasteMasksInImage (detectron2 grid_sample semantics)', () => {
  // Box [1, 1, 5, 5] with a 2×2 mask on a 6×6 image: pixel centre p + 0.5 maps to mask
  // coordinate (p + 0.5 − 1)/4·2 − 0.5 = p/2 − 0.75, i.e. −0.75, −0.25, 0.25, 0.75, 1.25, 1.75.
  // With zero padding the weight of mask column 0 along x is [0.25, 0.75, 0.75, 0.25, 0, 0]
  // and of column 1 is [0, 0, 0.25, 0.75, 0.75, 0.25].

  it('fills the box for an all-ones mask (products ≥ 0.5 only inside)', () => {
    // Total weight per axis: [0.25, 0.75, 1, 1, 0.75, 0.25]; 0.75·0.75 = 0.5625 passes, 0.25·1 does not.
    const [mask] = pasteMasksInImage(masks2x2([1, 1, 1, 1]), [[1, 1, 5, 5]], [6, 6]);
    expect(rows(mask!, 6)).toEqual(['000000', '011110', '011110', '011110', '011110', '000000']);
  });

  it('keeps the orientation of the mask cells', () => {
    // Only the top-left cell: value = ux·uy with u = [0.25, 0.75, 0.75, 0.25, 0, 0]; only 0.75² ≥ 0.5.
    const [topLeft, bottomRight] = pasteMasksInImage(masks2x2([1, 0, 0, 0], [0, 0, 0, 1]), [[1, 1, 5, 5], [1, 1, 5, 5]], [6, 6]);
    expect(rows(topLeft!, 6)).toEqual(['000000', '011000', '011000', '000000', '000000', '000000']);
    expect(rows(bottomRight!, 6)).toEqual(['000000', '000000', '000000', '000110', '000110', '000000']);
  });

  it('returns ⌊255·v⌋ soft values for a negative threshold', () => {
    const [soft] = pasteMasksInImage(masks2x2([1, 1, 1, 1]), [[1, 1, 5, 5]], [6, 6], { threshold: -1 });
    // (0, 0): 0.25² → 15.94 → 15; (1, 1): 0.75² → 143.4 → 143; (2, 2): 1 → 255; (1, 2): 0.75 → 191.
    expect([soft![0], soft![7], soft![14], soft![8]]).toEqual([15, 143, 255, 191]);
  });

  it('clips boxes that leave the image', () => {
    // Box [4, 4, 8, 8] on 6×6: pixels 3, 4, 5 map to −0.75, −0.25, 0.25 → weights 0.25, 0.75, 1;
    // the filled region [3, 6) stops at the image edge, leaving the box's visible 2×2 corner.
    const [mask] = pasteMasksInImage(masks2x2([1, 1, 1, 1]), [[4, 4, 8, 8]], [6, 6]);
    expect(rows(mask!, 6)).toEqual(['000000', '000000', '000000', '000000', '000011', '000011']);
  });

  it('accepts an [N, M, M] tensor and returns nothing for no instances', () => {
    const pasted = tf.tidy(() => pasteMasksInImage(tf.ones([1, 2, 2]) as tf.Tensor3D, tf.tensor2d([[1, 1, 5, 5]]), [6, 6]));
    expect(rows(pasted[0]!, 6)[1]).toBe('011110');
    expect(pasteMasksInImage(masks2x2(), new Float32Array(0), [6, 6])).toEqual([]);
  });
});
