import * as tf from '@tensorflow/tfjs-core';
import type { ConvPadding, Producer } from '../norm';

/** What a conv's filter gradient needs besides x and dy. */
export interface ConvGeometry {
  filterShape: [number, number, number, number];
  strides: [number, number];
  pad: ConvPadding;
}

/**
 * Gradients of the batch statistics with respect to the producing layer's weights, for
 * y = conv(x; W) (or x·W) with M positions per channel:
 *   gmu = d mean(y[..c]) / d W[..c]  — the mean input patch, the same for every c: [K]
 *   gnu = d mean(y[..c]^2) / d W[..c] — the filter gradient for upstream 2y/M:     [K, C]
 * Both come from ONE filter-gradient computation, over an upstream of C+1 channels
 * [2y/M, 1/M]. K = kh·kw·cin (conv) or cin (dense). Not differentiable (call untaped).
 */
export function statisticGradients(producer: Producer, y: tf.Tensor): { gmu: tf.Tensor1D; gnu: tf.Tensor2D } {
  if (producer.kind === 'conv2d') {
    if (producer.dilations[0] !== 1 || producer.dilations[1] !== 1) {
      throw new Error('cbn: dilated convolutions are not supported (TF.js has no dilated filter gradient)');
    }
    const [kh, kw, cin] = producer.filter.shape;
    const geometry: ConvGeometry = { filterShape: [kh, kw, cin, y.shape[3]!], strides: producer.strides, pad: producer.pad };
    return convStatisticGradients(producer.input, y as tf.Tensor4D, geometry);
  }
  return tf.tidy(() => {
    const channels = y.shape[1]!;
    // Transpose first: wasm's transposed matmul is a slow path.
    const combined = tf.matMul(tf.transpose(producer.input), statisticUpstream(y, []));
    const [gnu, gmu] = tf.split(combined, [channels, 1], 1) as [tf.Tensor2D, tf.Tensor2D];
    return { gmu: tf.reshape(gmu, [-1]) as tf.Tensor1D, gnu };
  });
}

/** {@link statisticGradients} of y = conv(x; W) from the conv's geometry alone (no filter needed). */
export function convStatisticGradients(x: tf.Tensor4D, y: tf.Tensor4D, geometry: ConvGeometry): { gmu: tf.Tensor1D; gnu: tf.Tensor2D } {
  return tf.tidy(() => {
    const [, , , channels] = geometry.filterShape;
    const [gnu, gmu] = splitFilterGradient(filterGradient(x, statisticUpstream(y, []), geometry, channels + 1), [channels, 1]);
    return { gmu: tf.reshape(gmu!, [-1]) as tf.Tensor1D, gnu: gnu! };
  });
}

/**
 * The upstream whose filter gradient holds the statistic gradients, after any `before`
 * channels (the loss's dy in the fused backward pass): [...before, 2y/M, 1/M].
 */
export function statisticUpstream(y: tf.Tensor, before: tf.Tensor[], zeroChannels = 0): tf.Tensor {
  const channels = y.shape[y.rank - 1]!;
  const positions = y.size / channels;
  const parts = [...before, tf.mul(y, 2 / positions), tf.fill([...y.shape.slice(0, -1), 1], 1 / positions)];
  if (zeroChannels > 0) parts.push(tf.zeros([...y.shape.slice(0, -1), zeroChannels]));
  return tf.concat(parts, -1);
}

/** Conv2DBackpropFilter for `channels` upstream channels. */
export function filterGradient(x: tf.Tensor4D, dy: tf.Tensor, geometry: ConvGeometry, channels: number): tf.Tensor4D {
  const [kh, kw, cin] = geometry.filterShape;
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: geometry.strides,
    pad: geometry.pad,
    dataFormat: 'NHWC',
    filterShape: [kh, kw, cin, channels],
  }) as tf.Tensor4D;
}

/** A [kh, kw, cin, ΣC] filter gradient as [K, C_i] column blocks (one SplitV). */
export function splitFilterGradient(grad: tf.Tensor4D, channels: number[]): tf.Tensor2D[] {
  const [kh, kw, cin, total] = grad.shape;
  return tf.split(tf.reshape(grad, [kh * kw * cin, total]), channels, 1) as tf.Tensor2D[];
}

/** The producing layer's weights as a [K, C] matrix (the layout gmu/gnu use). */
export function weightMatrix(producer: Producer): tf.Tensor2D {
  if (producer.kind === 'dense') return producer.weight;
  const [kh, kw, cin, cout] = producer.filter.shape;
  return tf.reshape(producer.filter, [kh * kw * cin, cout]);
}
