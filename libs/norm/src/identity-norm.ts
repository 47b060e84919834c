import type * as tf from '@tensorflow/tfjs-core';
import { Norm } from './norm';

/** `none`: no normalization (the producing layer then usually has a bias). */
export class IdentityNorm extends Norm {
  forward(y: tf.Tensor): tf.Tensor {
    this.checkChannels(y);
    return y;
  }
}
