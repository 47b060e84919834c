import * as tf from '@tensorflow/tfjs-core';
import {
  boxArea,
  boxAreaArray,
  boxValues,
  clipBoxes,
  clipBoxesArray,
  cxcywhToXyxy,
  nonemptyBoxes,
  nonemptyIndicesArray,
  pairwiseIoU,
  pairwiseIoUArray,
  scaleBoxes,
  xywhToXyxy,
  xyxyToCxcywh,
  xyxyToXywh,
} from '../index';
import { expectClose, initTestBackends } from '../testing/backends';

beforeAll(initTestBackends);

const A = [0, 0, 10, 10];
const others = [
  [5, 5, 15, 15], // overlap 5×5 = 25, union 175 → 1/7
  [0, 0, 10, 10], // identical → 1
  [10, 0, 20, 10], // touching edge → 0
  [2, 2, 4, 4], // inside: 4 / 100
  [3, 3, 3, 3], // empty → 0
  [-5, 2, 5, 12], // 5×8 = 40, union 160 → 0.25
];
const expectedIoU = [1 / 7, 1, 0, 0.04, 0, 0.25];

describe('box geometry (detectron2 conventions, width = x2 − x1)', () => {
  it('computes areas without +1', () => {
    expectClose(boxAreaArray(boxValues([A, [1, 2, 4, 8], [3, 3, 3, 3]])), [100, 18, 0]);
    const t = tf.tensor2d([A, [1, 2, 4, 8]]);
    expectClose(boxArea(t).dataSync(), [100, 18]);
    t.dispose();
  });

  it('computes pairwise IoU on arrays and tensors from hand-computed cases', () => {
    const iou = pairwiseIoUArray(boxValues([A, others[0]!]), boxValues(others));
    expectClose(iou.subarray(0, 6), expectedIoU, 1e-6);
    // Row 2: [5,5,15,15] against each: itself 1; against A 1/7; the edge box [10,0,20,10] 5×5/175.
    expectClose(iou.subarray(6, 12), [1, 1 / 7, 25 / 175, 0, 0, 0], 1e-6);
    tf.tidy(() => {
      const t = pairwiseIoU(tf.tensor2d([A]), tf.tensor2d(others));
      expect(t.shape).toEqual([1, 6]);
      expectClose(t.dataSync(), expectedIoU, 1e-6);
    });
  });

  it('clips to the image and keeps the gradient on the bounds', () => {
    const boxes = [[-3, 2, 50, 70], [10, -1, 20, 30]];
    const expected = [0, 2, 40, 60, 10, 0, 20, 30];
    expectClose(clipBoxesArray(boxValues(boxes), [60, 40]), expected);
    tf.tidy(() => {
      const t = tf.tensor2d(boxes);
      expectClose(clipBoxes(t, [60, 40]).dataSync(), expected);
      // d(sum)/d(coordinate) is 1 inside [0, bound] (bounds included, as torch.clamp), else 0.
      const onBounds = tf.tensor2d([[0, 5, 40, 60]]);
      expectClose(tf.grad((b: tf.Tensor) => tf.sum(clipBoxes(b as tf.Tensor2D, [60, 40])))(onBounds).dataSync(), [1, 1, 1, 1]);
      expectClose(tf.grad((b: tf.Tensor) => tf.sum(clipBoxes(b as tf.Tensor2D, [60, 40])))(t).dataSync(), [0, 1, 0, 0, 1, 0, 1, 1]);
    });
  });

  it('finds nonempty boxes (width and height > threshold)', () => {
    const boxes = [A, [3, 3, 3, 9], [0, 0, 1, 1], [5, 5, 4, 9]];
    expect(Array.from(nonemptyIndicesArray(boxValues(boxes)))).toEqual([0, 2]);
    expect(Array.from(nonemptyIndicesArray(boxValues(boxes), 1))).toEqual([0]);
    tf.tidy(() => expect(Array.from(nonemptyBoxes(tf.tensor2d(boxes)).dataSync())).toEqual([1, 0, 1, 0]));
  });

  it('converts between xyxy, xywh and cxcywh, and scales', () => {
    tf.tidy(() => {
      const xyxy = tf.tensor2d([[1, 2, 5, 10]]);
      expectClose(xyxyToXywh(xyxy).dataSync(), [1, 2, 4, 8]);
      expectClose(xywhToXyxy(tf.tensor2d([[1, 2, 4, 8]])).dataSync(), [1, 2, 5, 10]);
      expectClose(xyxyToCxcywh(xyxy).dataSync(), [3, 6, 4, 8]);
      expectClose(cxcywhToXyxy(tf.tensor2d([[3, 6, 4, 8]])).dataSync(), [1, 2, 5, 10]);
      expectClose(scaleBoxes(xyxy, 2, 0.5).dataSync(), [2, 1, 10, 5]);
    });
  });

  it('reads boxes from nested arrays, typed arrays and tensors alike', () => {
    const nested = [[1, 2, 3, 4]];
    expect(Array.from(boxValues(nested))).toEqual([1, 2, 3, 4]);
    expect(Array.from(boxValues(new Float64Array([1, 2, 3, 4])))).toEqual([1, 2, 3, 4]);
    tf.tidy(() => expect(Array.from(boxValues(tf.tensor2d(nested)))).toEqual([1, 2, 3, 4]));
    expect(() => boxValues([[1, 2, 3]])).toThrow(/expected 4/);
  });
});
