import * as tf from '@tensorflow/tfjs-core';
import { Module, type TensorOrInit } from '@kestrel/runtime';

/**
 * A plain convolution with bias (no norm), `weight` HWIO [kh, kw, in, out] and `bias` [out]:
 * detectron2's `Conv2d` without norm, e.g. the mask predictor (its OIHW weight loads transposed
 * to HWIO).
 */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(weight: TensorOrInit, bias: TensorOrInit, readonly stride = 1, readonly pad: 'valid' | 'same' = 'valid') {
    super();
    this.weight = this.registerParameter('weight', weight);
    this.bias = this.registerParameter('bias', bias);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(tf.conv2d(x, this.weight as tf.Tensor4D, this.stride, this.pad), this.bias) as tf.Tensor4D);
  }
}

/**
 * A transposed convolution with kernel = stride (no overlap), `weight` [k, k, out, in] (TF.js's
 * conv2dTranspose layout, which is PyTorch's ConvTranspose2d [in, out, k, k] under the same
 * OIHW→HWIO transpose as a conv) and `bias` [out]: detectron2's mask-head `deconv`.
 */
export class ConvTranspose2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(weight: TensorOrInit, bias: TensorOrInit) {
    super();
    this.weight = this.registerParameter('weight', weight);
    this.bias = this.registerParameter('bias', bias);
    const [kh, kw] = this.weight.shape;
    if (kh !== kw) throw new Error(`ConvTranspose2d: square kernels only, got ${kh}×${kw}`);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [kernel, , out] = this.weight.shape as [number, number, number, number];
      const [r, h, w] = x.shape;
      const shape: [number, number, number, number] = [r, kernel * h, kernel * w, out];
      return tf.add(tf.conv2dTranspose(x, this.weight as tf.Tensor4D, shape, kernel, 'valid'), this.bias) as tf.Tensor4D;
    });
  }
}
