import * as tf from '@tensorflow/tfjs-core';
import { Box2BoxTransform, DEFAULT_SCALE_CLAMP } from '../index';
import { expectClose, initTestBackends, TEST_BACKENDS, useBackend } from '../testing/backends';

beforeAll(initTestBackends);

describe.each(TEST_BACKENDS)('Box2BoxTransform on %s', (backend) => {
  useBackend(backend);
  const roiHead = new Box2BoxTransform({ weights: [10, 10, 5, 5] });

  it('encodes a hand-computed case with the RoI-head weights (10, 10, 5, 5)', () => {
    tf.tidy(() => {
      // src: w 10, h 20, centre (5, 10); target: w 10, h 40, centre (7, 24).
      const deltas = roiHead.getDeltas(tf.tensor2d([[0, 0, 10, 20]]), tf.tensor2d([[2, 4, 12, 44]]));
      expectClose(deltas.dataSync(), [10 * (2 / 10), 10 * (14 / 20), 0, 5 * Math.log(2)], 1e-5);
    });
  });

  it('round-trips encode → decode', () => {
    tf.tidy(() => {
      const src = tf.tensor2d([[0, 0, 10, 20], [5.5, 3, 40, 9], [100, 200, 101, 260]]);
      const target = tf.tensor2d([[2, 4, 12, 44], [0, 0, 64, 32], [90, 150, 130, 300]]);
      for (const coder of [roiHead, new Box2BoxTransform()]) {
        expectClose(coder.applyDeltas(coder.getDeltas(src, target), src).dataSync(), target.dataSync(), 1e-3);
      }
    });
  });

  it('clamps dw and dh at log(1000/16) before exp', () => {
    expect(DEFAULT_SCALE_CLAMP).toBeCloseTo(Math.log(62.5), 12);
    tf.tidy(() => {
      const rpn = new Box2BoxTransform();
      // A 16×16 box at (0, 0): a huge dw/dh gives a 1000×1000 box about the same centre (8, 8).
      const out = rpn.applyDeltas(tf.tensor2d([[0, 0, 10, 50]]), tf.tensor2d([[0, 0, 16, 16]]));
      expectClose(out.dataSync(), [-492, -492, 508, 508], 1e-2);
    });
  });

  it('decodes class-specific deltas [N, 4k] per class', () => {
    tf.tidy(() => {
      const boxes = tf.tensor2d([[0, 0, 10, 20]]);
      // Class 0: shift right by one width (dx = 10 · 1); class 1: double the height (dh = 5 · ln 2).
      const deltas = tf.tensor2d([[10, 0, 0, 0, 0, 0, 0, 5 * Math.log(2)]]);
      expectClose(roiHead.applyDeltas(deltas, boxes).dataSync(), [10, 0, 20, 20, 0, -10, 10, 30], 1e-4);
    });
  });

  it('is differentiable in the deltas, with no gradient above the clamp', () => {
    tf.tidy(() => {
      const boxes = tf.tensor2d([[0, 0, 10, 20], [0, 0, 16, 16]]);
      const deltas = tf.tensor2d([[1, 2, 0.5, 0], [0, 0, 10 * 5, 0]]);
      // x1 = cx + (dx/wx)·w − 0.5·exp(dw/ww)·w: ∂x1/∂dx = w/wx, ∂x1/∂dw = −0.5·w·exp(dw/ww)/ww.
      const x1 = (d: tf.Tensor) => tf.sum(tf.mul(roiHead.applyDeltas(d as tf.Tensor2D, boxes), tf.tensor1d([1, 0, 0, 0])));
      const grad = tf.grad(x1)(deltas).dataSync();
      expectClose(grad, [10 / 10, 0, (-0.5 * 10 * Math.exp(0.5 / 5)) / 5, 0, 16 / 10, 0, 0, 0], 1e-5);
    });
  });
});

it('rejects non-positive weights', () => {
  expect(() => new Box2BoxTransform({ weights: [1, 0, 1, 1] })).toThrow(/positive/);
});
