import * as tf from '@tensorflow/tfjs-core';

export interface GradientClipOptions {
  /** `value`: clamp each element to ±value; `norm`: rescale to L2 norm ≤ value. */
  type: 'value' | 'norm';
  value: number;
  /** For `norm`: per parameter (detectron2's default) or over all gradients together. Default false. */
  fullModel?: boolean;
}

/** Clipped copies of `grads` (detectron2's SOLVER.CLIP_GRADIENTS semantics). */
export function clipGradients(grads: tf.NamedTensorMap, o: GradientClipOptions): tf.NamedTensorMap {
  if (!(o.value > 0)) throw new Error(`clipGradients: "value" must be > 0, got ${o.value}`);
  return tf.tidy(() => {
    const out: tf.NamedTensorMap = {};
    const names = Object.keys(grads);
    if (o.type === 'value') {
      for (const n of names) out[n] = tf.clipByValue(grads[n]!, -o.value, o.value);
      return out;
    }
    const scaleFor = (norm: tf.Tensor) => tf.minimum(tf.div(o.value, tf.add(norm, 1e-6)), 1);
    if (o.fullModel) {
      const total = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!)))));
      const scale = scaleFor(total);
      for (const n of names) out[n] = tf.mul(grads[n]!, scale);
    } else {
      for (const n of names) out[n] = tf.mul(grads[n]!, scaleFor(tf.norm(grads[n]!)));
    }
    return out;
  });
}
