import * as tf from '@tensorflow/tfjs-core';
import { columns } from './box-ops';

/** detectron2's `_DEFAULT_SCALE_CLAMP`: dw, dh are clamped at log(1000/16) ≈ 4.135 before exp. */
export const DEFAULT_SCALE_CLAMP = Math.log(1000 / 16);

/** Box coder weights (wx, wy, ww, wh). */
export type BoxCoderWeights = readonly [wx: number, wy: number, ww: number, wh: number];

export interface Box2BoxTransformOptions {
  /** Scales applied to (dx, dy, dw, dh). Default [1, 1, 1, 1] (RPN); the RoI box head uses [10, 10, 5, 5]. */
  weights?: BoxCoderWeights;
  /** Upper bound on dw and dh before exp, so a large prediction cannot overflow. Default log(1000/16). */
  scaleClamp?: number;
}

/**
 * detectron2's `Box2BoxTransform`: the R-CNN parameterisation of a box relative to a reference
 * box, dx = wx·(cx′ − cx)/w, dy = wy·(cy′ − cy)/h, dw = ww·log(w′/w), dh = wh·log(h′/h), with
 * w = x2 − x1 (no +1). Both directions are tf ops, differentiable in deltas and boxes.
 */
export class Box2BoxTransform {
  readonly weights: BoxCoderWeights;
  readonly scaleClamp: number;

  constructor(options: Box2BoxTransformOptions = {}) {
    this.weights = options.weights ?? [1, 1, 1, 1];
    this.scaleClamp = options.scaleClamp ?? DEFAULT_SCALE_CLAMP;
    if (this.weights.length !== 4 || this.weights.some((w) => !(w > 0))) {
      throw new Error(`Box2BoxTransform: weights must be four positive numbers, got [${this.weights.join(', ')}]`);
    }
  }

  /**
   * Deltas that turn each `src` box into the matching `target` box, shape [N, 4]. Source boxes
   * must have positive width and height (detectron2 asserts the same).
   */
  getDeltas(src: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor2D {
    const [wx, wy, ww, wh] = this.weights;
    return tf.tidy(() => {
      const s = centerForm(src);
      const t = centerForm(target);
      return tf.stack(
        [
          tf.mul(tf.div(tf.sub(t.cx, s.cx), s.w), wx),
          tf.mul(tf.div(tf.sub(t.cy, s.cy), s.h), wy),
          tf.mul(tf.log(tf.div(t.w, s.w)), ww),
          tf.mul(tf.log(tf.div(t.h, s.h)), wh),
        ],
        1,
      ) as tf.Tensor2D;
    });
  }

  /**
   * Applies `deltas` [N, 4k] to `boxes` [N, 4]; k > 1 decodes class-specific deltas (columns
   * 4j..4j+3 for class j), as detectron2 does. Returns [N, 4k]. dw and dh are clamped from above
   * at `scaleClamp` (the gradient passes below the clamp, as with torch.clamp).
   */
  applyDeltas(deltas: tf.Tensor2D, boxes: tf.Tensor2D): tf.Tensor2D {
    const [n, width] = deltas.shape;
    if (width % 4 !== 0 || boxes.shape[0] !== n) {
      throw new Error(
        `applyDeltas: expected deltas [N, 4k] and boxes [N, 4], got [${deltas.shape.join(', ')}] and [${boxes.shape.join(', ')}]`,
      );
    }
    const [wx, wy, ww, wh] = this.weights;
    return tf.tidy(() => {
      const k = width / 4;
      const ref = centerForm(boxes);
      const [cx, cy, w, h] = [ref.cx, ref.cy, ref.w, ref.h].map((c) => tf.reshape(c, [n, 1]));
      const [dx, dy, dw, dh] = tf.unstack(tf.reshape(deltas, [n, k, 4]), 2);
      const predCx = tf.add(tf.mul(tf.div(dx!, wx), w!), cx!);
      const predCy = tf.add(tf.mul(tf.div(dy!, wy), h!), cy!);
      const predW = tf.mul(tf.exp(tf.minimum(tf.div(dw!, ww), this.scaleClamp)), w!);
      const predH = tf.mul(tf.exp(tf.minimum(tf.div(dh!, wh), this.scaleClamp)), h!);
      const halfW = tf.mul(predW, 0.5);
      const halfH = tf.mul(predH, 0.5);
      const decoded = tf.stack(
        [tf.sub(predCx, halfW), tf.sub(predCy, halfH), tf.add(predCx, halfW), tf.add(predCy, halfH)],
        2,
      );
      return tf.reshape(decoded, [n, width]) as tf.Tensor2D;
    });
  }
}

/** Centres and sizes as detectron2 computes them: cx = x1 + 0.5·w. */
function centerForm(boxes: tf.Tensor2D): { cx: tf.Tensor; cy: tf.Tensor; w: tf.Tensor; h: tf.Tensor } {
  const [x1, y1, x2, y2] = columns(boxes);
  const w = tf.sub(x2, x1);
  const h = tf.sub(y2, y1);
  return { cx: tf.add(x1, tf.mul(w, 0.5)), cy: tf.add(y1, tf.mul(h, 0.5)), w, h };
}
