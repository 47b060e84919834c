import * as tf from '@tensorflow/tfjs-core';
import { DefaultAnchorGenerator } from '../index';
import { expectClose, initTestBackends } from '../testing/backends';

beforeAll(initTestBackends);

/** Box k of a flat anchor array. */
const box = (anchors: Float32Array, k: number): number[] => Array.from(anchors.subarray(4 * k, 4 * k + 4));

describe('DefaultAnchorGenerator (detectron2)', () => {
  it('gives the golden anchor from detection-defaults.md: ratio 0.25, size 32 at the origin = [−32, −8, 32, 8]', () => {
    const generator = new DefaultAnchorGenerator({ sizes: [32, 64], aspectRatios: [0.25, 1, 4], strides: [4] });
    const [anchors] = generator.gridAnchors([[2, 3]]);
    expect(box(anchors!, 0)).toEqual([-32, -8, 32, 8]);
  });

  it('orders cell anchors sizes-outer, aspect ratios (h/w) inner', () => {
    const generator = new DefaultAnchorGenerator({ sizes: [[32, 64]], aspectRatios: [[0.25, 1, 4]], strides: [4] });
    expect(generator.numAnchorsPerLocation).toEqual([6]);
    const cell = generator.cellAnchors[0]!;
    expect([0, 1, 2, 3, 4, 5].map((k) => box(cell, k))).toEqual([
      [-32, -8, 32, 8], // 32, h/w 0.25: w 64, h 16
      [-16, -16, 16, 16],
      [-8, -32, 8, 32],
      [-64, -16, 64, 16], // 64, h/w 0.25: w 128, h 32
      [-32, -32, 32, 32],
      [-16, -64, 16, 64],
    ]);
  });

  it('lays anchors out location-major (row, column), then cell anchor, with offset 0', () => {
    const generator = new DefaultAnchorGenerator({ sizes: [32, 64], aspectRatios: [0.25, 1, 4], strides: [4] });
    const [anchors] = generator.gridAnchors([[2, 3]]);
    expect(anchors!.length / 4).toBe(2 * 3 * 6);
    // Location (y = 1, x = 2) is the 6th of 6 locations; its first anchor is shifted by (8, 4).
    expect(box(anchors!, 6 * (1 * 3 + 2))).toEqual([-24, -4, 40, 12]);
    // Location (y = 0, x = 1), anchor 4 (size 64, ratio 1).
    expect(box(anchors!, 6 * 1 + 4)).toEqual([-28, -32, 36, 32]);
  });

  it('gives one size per FPN level with their own strides, and honours the offset', () => {
    const generator = new DefaultAnchorGenerator({
      sizes: [[32], [64], [128], [256], [512]],
      strides: [4, 8, 16, 32, 64],
    });
    expect(generator.numAnchorsPerLocation).toEqual([3, 3, 3, 3, 3]);
    const grids = [[8, 8], [4, 4], [2, 2], [1, 1], [1, 1]] as const;
    const levels = generator.gridAnchors(grids);
    expect(levels.map((a) => a.length / 4)).toEqual([192, 48, 12, 3, 3]);
    // Default ratios (0.5, 1, 2): size 32, ratio 0.5 → w = sqrt(2048), h = w / 2.
    const w = Math.sqrt(2048);
    expectClose(box(levels[0]!, 0), [-w / 2, -w / 4, w / 2, w / 4], 1e-4);
    // Level P3 (stride 8), location (0, 1), ratio 1: 64×64 centred at (8, 0).
    expect(box(levels[1]!, 3 + 1)).toEqual([-24, -32, 40, 32]);
    const centred = new DefaultAnchorGenerator({ sizes: [16], aspectRatios: [1], strides: [8], offset: 0.5 });
    expect(box(centred.gridAnchors([[2, 2]])[0]!, 3)).toEqual([4, 4, 20, 20]);
  });

  it('returns tensors shaped [H·W·A, 4] for NHWC feature maps', () => {
    const generator = new DefaultAnchorGenerator({ sizes: [[32], [64]], strides: [4, 8] });
    tf.tidy(() => {
      const anchors = generator.anchorTensors([tf.zeros([1, 4, 6, 8]) as tf.Tensor4D, tf.zeros([1, 2, 3, 8]) as tf.Tensor4D]);
      expect(anchors.map((a) => a.shape)).toEqual([[72, 4], [18, 4]]);
    });
  });

  it('rejects sizes and strides that disagree on the level count', () => {
    expect(() => new DefaultAnchorGenerator({ sizes: [[32], [64]], strides: [4, 8, 16] })).toThrow(/levels/);
  });
});
