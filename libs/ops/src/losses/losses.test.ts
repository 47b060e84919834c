import * as tf from '@tensorflow/tfjs-core';
import { l1Loss, sigmoidBinaryCrossEntropy, smoothL1Loss, softmaxCrossEntropy } from '../index';
import { expectClose, initTestBackends, TEST_BACKENDS, useBackend } from '../testing/backends';

beforeAll(initTestBackends);

const value = (t: tf.Tensor): number => t.dataSync()[0]!;

describe.each(TEST_BACKENDS)('losses on %s', (backend) => {
  useBackend(backend);

  it('softmax cross-entropy: −log softmax at the label, mean by default', () => {
    tf.tidy(() => {
      const logits = tf.tensor2d([[1, 2, 3], [1, 1, 1]]);
      // Row 0: log(1 + e^−1 + e^−2); row 1: log 3.
      const row0 = Math.log(1 + Math.exp(-1) + Math.exp(-2));
      const row1 = Math.log(3);
      expect(value(softmaxCrossEntropy(logits, [2, 0]))).toBeCloseTo((row0 + row1) / 2, 5);
      expect(value(softmaxCrossEntropy(logits, tf.tensor1d([2, 0], 'int32'), { reduction: 'sum' }))).toBeCloseTo(row0 + row1, 5);
      expectClose(softmaxCrossEntropy(logits, [2, 0], { reduction: 'none' }).dataSync(), [row0, row1], 1e-5);
      // Gradient of the mean: (softmax − onehot) / N.
      const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
      const grad = tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x as tf.Tensor2D, [2, 0]))(logits);
      expectClose(
        grad.dataSync(),
        [Math.exp(1) / z / 2, Math.exp(2) / z / 2, (Math.exp(3) / z - 1) / 2, (1 / 3 - 1) / 2, 1 / 6, 1 / 6],
        1e-5,
      );
    });
  });

  it('sigmoid BCE with logits: stable at ±100, gradient exactly sigmoid(x) − z (also at x = 0)', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([0, 2, -3, 100, -100]);
      const z = tf.tensor1d([0, 1, 0.5, 0, 1]);
      const perElement = [Math.log(2), Math.log(1 + Math.exp(-2)), Math.log(1 + Math.exp(-3)) + 1.5, 100, 100];
      expectClose(sigmoidBinaryCrossEntropy(x, z, { reduction: 'none' }).dataSync(), perElement, 1e-4);
      expect(value(sigmoidBinaryCrossEntropy(x, z))).toBeCloseTo(perElement.reduce((a, b) => a + b) / 5, 4);
      const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
      const grad = tf.grad((l: tf.Tensor) => sigmoidBinaryCrossEntropy(l, z, { reduction: 'sum' }))(x);
      expectClose(grad.dataSync(), [0.5, sigmoid(2) - 1, sigmoid(-3) - 0.5, 1, -1], 1e-6);
    });
  });

  it('L1: sum and mean, gradient sign(x) with 0 where input equals target', () => {
    tf.tidy(() => {
      const input = tf.tensor1d([1, -2, 3]);
      const target = tf.tensor1d([0, 0, 3]);
      expect(value(l1Loss(input, target, { reduction: 'sum' }))).toBeCloseTo(3, 6);
      expect(value(l1Loss(input, target))).toBeCloseTo(1, 6);
      const grad = tf.grad((x: tf.Tensor) => l1Loss(x, target))(input);
      expectClose(grad.dataSync(), [1 / 3, -1 / 3, 0], 1e-6);
    });
  });

  it('smooth L1: quadratic below β, linear above, L1 at β = 0', () => {
    tf.tidy(() => {
      const input = tf.tensor1d([0.5, -2, 0]);
      const target = tf.zeros([3]);
      // β = 1: 0.5·0.25 = 0.125; 2 − 0.5 = 1.5; 0.
      expectClose(smoothL1Loss(input, target, { beta: 1, reduction: 'none' }).dataSync(), [0.125, 1.5, 0], 1e-6);
      expect(value(smoothL1Loss(input, target, { beta: 1, reduction: 'sum' }))).toBeCloseTo(1.625, 6);
      const grad = tf.grad((x: tf.Tensor) => smoothL1Loss(x, target, { beta: 1, reduction: 'sum' }))(input);
      expectClose(grad.dataSync(), [0.5, -1, 0], 1e-6);
      // β = 1/9 (torchvision RPN): 0.05 → 0.5·0.0025·9; 1 → 1 − 1/18.
      expectClose(
        smoothL1Loss(tf.tensor1d([0.05, 1]), tf.zeros([2]), { beta: 1 / 9, reduction: 'none' }).dataSync(),
        [0.01125, 1 - 1 / 18],
        1e-6,
      );
      expect(value(smoothL1Loss(input, target, { beta: 0, reduction: 'sum' }))).toBeCloseTo(2.5, 6);
    });
  });

  it('a mean over nothing is 0 with a zero gradient, not NaN', () => {
    tf.tidy(() => {
      const empty = tf.zeros([0, 4]);
      expect(value(l1Loss(empty, empty))).toBe(0);
      expect(value(sigmoidBinaryCrossEntropy(empty, empty))).toBe(0);
      expect(value(softmaxCrossEntropy(tf.zeros([0, 3]) as tf.Tensor2D, []))).toBe(0);
      expect(tf.grad((x: tf.Tensor) => l1Loss(x, empty))(empty).shape).toEqual([0, 4]);
    });
  });

  it('does not leak tensors', () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const before = tf.memory().numTensors;
    const { value: loss, grad } = tf.valueAndGrad((v: tf.Tensor) =>
      tf.addN([
        l1Loss(v, tf.onesLike(v)),
        smoothL1Loss(v, tf.onesLike(v), { beta: 0.5 }),
        sigmoidBinaryCrossEntropy(v, tf.onesLike(v)),
        softmaxCrossEntropy(v as tf.Tensor2D, [0, 1]),
      ]) as tf.Scalar,
    )(x);
    tf.dispose([loss, grad]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
