import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend';
import { untapedConstant } from './autodiff';

describe('untapedConstant', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('blocks the gradient and allows ops without gradients inside', () => {
    // f(x) = x * c(x) with c = sum(x > 0) treated as a constant: df/dx = c (= 2), not c + x·dc/dx.
    const x = tf.tensor1d([1, 2, -3]);
    const grad = tf.grad((v: tf.Tensor) =>
      tf.sum(tf.mul(v, untapedConstant([v], (u) => tf.sum(tf.cast(tf.greater(u, 0), 'float32'))))),
    )(x);
    expect(Array.from(grad.dataSync())).toEqual([2, 2, 2]);
  });
});
