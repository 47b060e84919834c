import * as tf from '@tensorflow/tfjs-core';
import { argsortDescending, batchedNms, nms, scoreThresholdIndices, topKIndices } from '../index';
import { initTestBackends } from '../testing/backends';

beforeAll(initTestBackends);

// Hand-computed IoUs: IoU(0, 1) = 81/119 ≈ 0.68; IoU(0, 3) = 1; IoU(4, 0) = 50/100 = 0.5 exactly;
// IoU(4, 1) = 36/114 ≈ 0.32; box 2 overlaps nothing.
const boxes = [
  [0, 0, 10, 10],
  [1, 1, 11, 11],
  [20, 20, 30, 30],
  [0, 0, 10, 10],
  [0, 0, 10, 5],
];
const scores = [0.9, 0.8, 0.7, 0.9, 0.95];
const list = (a: Int32Array): number[] => Array.from(a);

describe('nms (greedy, torchvision semantics)', () => {
  it('suppresses IoU > threshold, keeps IoU == threshold, returns kept indices by score', () => {
    // Visit order 4, 0, 3 (tie with 0: lower index first), 1, 2. 0 survives 4 (IoU exactly 0.5);
    // 3 is a duplicate of 0; 1 overlaps 0 by 0.68.
    expect(list(nms(boxes, scores, 0.5))).toEqual([4, 0, 2]);
  });

  it('breaks score ties by index, whatever the input order', () => {
    const swapped = [boxes[3]!, boxes[1]!, boxes[2]!, boxes[0]!, boxes[4]!];
    expect(list(nms(swapped, scores, 0.5))).toEqual([4, 0, 2]);
    const identical = [[0, 0, 4, 4], [0, 0, 4, 4], [0, 0, 4, 4]];
    expect(list(nms(identical, [0.5, 0.5, 0.5], 0.7))).toEqual([0]);
  });

  it('keeps everything at threshold 1 and only disjoint boxes at threshold 0', () => {
    expect(list(nms(boxes, scores, 1))).toEqual([4, 0, 3, 1, 2]);
    expect(list(nms(boxes, scores, 0))).toEqual([4, 2]);
  });

  it('accepts tensors', () => {
    const kept = tf.tidy(() => nms(tf.tensor2d(boxes), tf.tensor1d(scores), 0.5));
    expect(list(kept)).toEqual([4, 0, 2]);
  });

  it('handles no boxes', () => {
    expect(list(nms(new Float32Array(0), [], 0.5))).toEqual([]);
  });
});

describe('batchedNms (per class / per level)', () => {
  it('only suppresses within a group and merges the groups by score', () => {
    // Box 3 (duplicate of 0) is alone in group 1, so it survives.
    expect(list(batchedNms(boxes, scores, [0, 0, 0, 1, 0], 0.5))).toEqual([4, 0, 3, 2]);
    // Each box its own group: nothing is suppressed.
    expect(list(batchedNms(boxes, scores, [0, 1, 2, 3, 4], 0.5))).toEqual([4, 0, 3, 1, 2]);
  });

  it('separates groups even with negative coordinates (where a max-coordinate offset could not)', () => {
    const negative = [[-50, -50, -40, -40], [-50, -50, -40, -40]];
    expect(list(batchedNms(negative, [0.6, 0.5], [0, 1], 0.5))).toEqual([0, 1]);
    expect(list(batchedNms(negative, [0.6, 0.5], [2, 2], 0.5))).toEqual([0]);
  });
});

describe('score helpers', () => {
  const s = [0.1, 0.5, 0.5, 0.9, 0.2];

  it('sorts descending with ties by index', () => {
    expect(list(argsortDescending(s))).toEqual([3, 1, 2, 4, 0]);
    expect(list(argsortDescending([1, NaN, 2]))).toEqual([2, 0, 1]);
  });

  it('takes the top k', () => {
    expect(list(topKIndices(s, 3))).toEqual([3, 1, 2]);
    expect(list(topKIndices(s, 10))).toEqual([3, 1, 2, 4, 0]);
    expect(list(topKIndices(s, 0))).toEqual([]);
  });

  it('keeps scores strictly above the threshold, compared in float32 like detectron2', () => {
    expect(list(scoreThresholdIndices(s, 0.2))).toEqual([1, 2, 3]);
    expect(list(scoreThresholdIndices(Float32Array.from([0.05, 0.0500001]), 0.05))).toEqual([1]);
  });
});
