import * as tf from '@tensorflow/tfjs-core';
import type { Producer } from '../norm';

/**
 * Gradients of the batch statistics with respect to the producing layer's weights, for
 * y = conv(x; W) (or x·W) with M positions per channel:
 *   gmu = d mean(y[..c]) / d W[..c]  — the mean input patch, the same for every c: [K]
 *   gnu = d mean(y[..c]^2) / d W[..c] — the filter gradient for upstream 2y/M:     [K, C]
 * Both come from ONE filter-gradient computation, over an upstream of C+1 channels
 * [2y/M, 1/M]. K = kh·kw·cin (conv) or cin (dense). Not differentiable (call untaped).
 */
export function statisticGradients(producer: Producer, y: tf.Tensor): { gmu: tf.Tensor1D; gnu: tf.Tensor2D } {
  return tf.tidy(() => {
    const channels = y.shape[y.rank - 1]!;
    const positions = y.size / channels;
    const upstream = tf.concat([tf.mul(y, 2 / positions), tf.fill([...y.shape.slice(0, -1), 1], 1 / positions)], -1);
    let combined: tf.Tensor2D;
    if (producer.kind === 'conv2d') {
      const [kh, kw, cin] = producer.filter.shape;
      if (producer.dilations[0] !== 1 || producer.dilations[1] !== 1) {
        throw new Error('cbn: dilated convolutions are not supported (TF.js has no dilated filter gradient)');
      }
      const filterGrad = tf.engine().runKernel('Conv2DBackpropFilter', { x: producer.input, dy: upstream }, {
        strides: producer.strides,
        pad: producer.pad,
        dataFormat: 'NHWC',
        filterShape: [kh, kw, cin, channels + 1],
      }) as tf.Tensor4D;
      combined = tf.reshape(filterGrad, [kh * kw * cin, channels + 1]);
    } else {
      // Transpose first: wasm's transposed matmul is a slow path.
      combined = tf.matMul(tf.transpose(producer.input), upstream as tf.Tensor2D);
    }
    const k = combined.shape[0];
    const gnu = tf.slice(combined, [0, 0], [k, channels]);
    const gmu = tf.reshape(tf.slice(combined, [0, channels], [k, 1]), [k]) as tf.Tensor1D;
    return { gmu, gnu };
  });
}

/** The producing layer's weights as a [K, C] matrix (the layout gmu/gnu use). */
export function weightMatrix(producer: Producer): tf.Tensor2D {
  if (producer.kind === 'dense') return producer.weight;
  const [kh, kw, cin, cout] = producer.filter.shape;
  return tf.reshape(producer.filter, [kh * kw * cin, cout]);
}
