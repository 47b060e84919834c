import * as tf from '@tensorflow/tfjs-core';
import { customOp } from '../custom-op';
import type { StatisticSlot } from './statistic-slot';
import { filterGradient, splitFilterGradient, statisticUpstream, type ConvGeometry } from './statistic-gradients';

/**
 * y = conv2d(x, filter) (no dilation) whose backward pass also fills `slot` with CBN's
 * statistic gradients: the loss's filter gradient and the statistic ones come from ONE
 * Conv2DBackpropFilter over the upstream [dy, 2y/M, 1/M, zeros] (2C+1 channels rounded up to a
 * multiple of 8), sharing its im2col.
 * They are only needed by later steps, so nothing is computed for them in the forward pass.
 * Gradients are lazy: no input gradient for the images into the stem, no filter gradient (and
 * no statistics: the slot falls back) for a conv nothing differentiates.
 */
export function convWithStatistics(x: tf.Tensor4D, filter: tf.Tensor4D, geometry: ConvGeometry, slot: StatisticSlot): tf.Tensor4D {
  const { strides, pad } = geometry;
  return customOp(
    { x, filter },
    (save) => {
      const y = tf.conv2d(x, filter, strides, pad);
      save([x, filter, y]);
      return y;
    },
    (dy, saved) => {
      const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      return {
        x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: ws }, { strides, pad, dataFormat: 'NHWC', inputShape: xs.shape }),
        filter: () => fusedFilterGradient(xs, dy, ys, geometry, slot),
      };
    },
  );
}

function fusedFilterGradient(x: tf.Tensor4D, dy: tf.Tensor, y: tf.Tensor4D, geometry: ConvGeometry, slot: StatisticSlot): tf.Tensor {
  const channels = geometry.filterShape[3];
  if (!slot.wanted) return filterGradient(x, dy, geometry, channels);
  // Zero channels round the GEMM width up to a multiple of 8: the kernel's SIMD tiles then have
  // no ragged edge (an odd 2C+1 cost up to 3x a C-wide call instead of 2x).
  const width = 2 * channels + 1;
  const padding = (8 - (width % 8)) % 8;
  const grad = filterGradient(x, statisticUpstream(y, [dy], padding), geometry, width + padding);
  const [dw, gnu, gmu] = splitFilterGradient(grad, padding > 0 ? [channels, channels, 1, padding] : [channels, channels, 1]);
  slot.fill({ gmu: tf.reshape(gmu!, [-1]) as tf.Tensor1D, gnu: gnu! });
  return tf.reshape(dw!, geometry.filterShape);
}
