import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGradientParts } from '@kestrel/runtime';
import { customOp } from '../custom-op';
import type { StatisticSlot } from './statistic-slot';
import { filterGradientConv, statisticParts, type ConvGeometry } from './statistic-gradients';

/**
 * y = conv2d(x, filter) (no dilation) whose backward pass also fills `slot` with CBN's
 * statistic gradients: the loss's filter gradient and the statistic ones come from ONE
 * multi-part filter gradient over the upstreams [dy, 2y/M, 1/M], sharing its im2col and GEMM
 * (on wasm the parts are laid side by side inside the kernel: no concat, no split).
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
        filter: () => fusedFilterGradient(xs, dy as tf.Tensor4D, ys, geometry, slot),
      };
    },
  );
}

function fusedFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, y: tf.Tensor4D, geometry: ConvGeometry, slot: StatisticSlot): tf.Tensor {
  const conv = filterGradientConv(geometry);
  if (!slot.wanted) return conv2dFilterGradientParts(x, [{ tensor: dy }], conv)[0]!;
  const [dw, gnu, gmu] = conv2dFilterGradientParts(x, [{ tensor: dy }, ...statisticParts(y)], conv);
  const k = dw!.size / dw!.shape[3];
  slot.fill({ gmu: tf.reshape(gmu!, [k]) as tf.Tensor1D, gnu: tf.reshape(gnu!, [k, geometry.filterShape[3]]) as tf.Tensor2D });
  return dw!;
}
