import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGradientParts, type FilterGradientConv, type UpstreamPart } from '@kestrel/runtime';
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
    const positions = y.shape[0]!;
    const upstream = tf.concat([tf.mul(y, 2 / positions), tf.fill([positions, 1], 1 / positions)], 1);
    // Transpose first: wasm's transposed matmul is a slow path.
    const combined = tf.matMul(tf.transpose(producer.input), upstream);
    const [gnu, gmu] = tf.split(combined, [channels, 1], 1) as [tf.Tensor2D, tf.Tensor2D];
    return { gmu: tf.reshape(gmu, [-1]) as tf.Tensor1D, gnu };
  });
}

/** {@link statisticGradients} of y = conv(x; W) from the conv's geometry alone (no filter needed). */
export function convStatisticGradients(x: tf.Tensor4D, y: tf.Tensor4D, geometry: ConvGeometry): { gmu: tf.Tensor1D; gnu: tf.Tensor2D } {
  return tf.tidy(() => {
    const [kh, kw, cin, channels] = geometry.filterShape;
    const [gnu, gmu] = conv2dFilterGradientParts(x, statisticParts(y), filterGradientConv(geometry));
    return { gmu: tf.reshape(gmu!, [kh * kw * cin]) as tf.Tensor1D, gnu: tf.reshape(gnu!, [kh * kw * cin, channels]) as tf.Tensor2D };
  });
}

/** The upstreams whose filter gradients are gnu and gmu: 2y/M and the constant 1/M. */
export function statisticParts(y: tf.Tensor4D): UpstreamPart[] {
  const positions = y.size / y.shape[3];
  return [{ tensor: y, scale: 2 / positions }, { constant: 1 / positions }];
}

export function filterGradientConv({ filterShape, strides, pad }: ConvGeometry): FilterGradientConv {
  return { filterSize: [filterShape[0], filterShape[1]], strides, pad };
}

/** The producing layer's weights as a [K, C] matrix (the layout gmu/gnu use). */
export function weightMatrix(producer: Producer): tf.Tensor2D {
  if (producer.kind === 'dense') return producer.weight;
  const [kh, kw, cin, cout] = producer.filter.shape;
  return tf.reshape(producer.filter, [kh * kw * cin, cout]);
}
