import * as tf from '@tensorflow/tfjs-core';

/**
 * Box geometry on [N, 4] tensors, detectron2 conventions: (x1, y1, x2, y2) in absolute pixels,
 * width = x2 − x1 (no +1). Area, clip, scale and the format conversions are differentiable;
 * IoU and `nonemptyBoxes` are for matching and filtering only.
 */

/** Areas (x2 − x1)·(y2 − y1), shape [N]. */
export function boxArea(boxes: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const [x1, y1, x2, y2] = columns(boxes);
    return tf.mul(tf.sub(x2, x1), tf.sub(y2, y1));
  });
}

/** Intersection areas of every box in `a` with every box in `b`, shape [M, N]. */
export function pairwiseIntersection(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [ax1, ay1, ax2, ay2] = columns(a).map((c) => tf.reshape(c, [-1, 1]));
    const [bx1, by1, bx2, by2] = columns(b).map((c) => tf.reshape(c, [1, -1]));
    const w = tf.relu(tf.sub(tf.minimum(ax2!, bx2!), tf.maximum(ax1!, bx1!)));
    const h = tf.relu(tf.sub(tf.minimum(ay2!, by2!), tf.maximum(ay1!, by1!)));
    return tf.mul(w, h) as tf.Tensor2D;
  });
}

/**
 * IoU of every box in `a` (M) with every box in `b` (N), shape [M, N]; 0 where the boxes do
 * not intersect (detectron2 `pairwise_iou`). Uses a comparison, so it has no gradient: it is
 * meant for matching. `pairwiseIoUArray` does the same on plain arrays.
 */
export function pairwiseIoU(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const inter = pairwiseIntersection(a, b);
    const union = tf.sub(tf.add(tf.reshape(boxArea(a), [-1, 1]), tf.reshape(boxArea(b), [1, -1])), inter);
    return tf.where(tf.greater(inter, 0), tf.div(inter, union), tf.zerosLike(inter)) as tf.Tensor2D;
  });
}

/**
 * Clamps x to [0, width] and y to [0, height] (detectron2 `Boxes.clip`). The gradient passes
 * where a coordinate sits exactly on a bound, as torch.clamp's does.
 */
export function clipBoxes(boxes: tf.Tensor2D, imageSize: readonly [height: number, width: number]): tf.Tensor2D {
  const [height, width] = imageSize;
  return tf.tidy(
    () => tf.minimum(tf.maximum(boxes, tf.scalar(0)), tf.tensor1d([width, height, width, height])) as tf.Tensor2D,
  );
}

/** Whether each box has width and height > `threshold` (detectron2 `Boxes.nonempty`), bool [N]. */
export function nonemptyBoxes(boxes: tf.Tensor2D, threshold = 0): tf.Tensor1D {
  return tf.tidy(() => {
    const [x1, y1, x2, y2] = columns(boxes);
    return tf.logicalAnd(tf.greater(tf.sub(x2, x1), threshold), tf.greater(tf.sub(y2, y1), threshold));
  });
}

/** Multiplies x coordinates by `scaleX` and y coordinates by `scaleY` (detectron2 `Boxes.scale`). */
export function scaleBoxes(boxes: tf.Tensor2D, scaleX: number, scaleY: number = scaleX): tf.Tensor2D {
  return tf.tidy(() => tf.mul(boxes, tf.tensor1d([scaleX, scaleY, scaleX, scaleY])) as tf.Tensor2D);
}

/** (x1, y1, x2, y2) → (x, y, w, h) with (x, y) the top-left corner (COCO's XYWH_ABS). */
export function xyxyToXywh(boxes: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [x1, y1, x2, y2] = columns(boxes);
    return tf.stack([x1, y1, tf.sub(x2, x1), tf.sub(y2, y1)], 1) as tf.Tensor2D;
  });
}

/** (x, y, w, h) with (x, y) the top-left corner → (x1, y1, x2, y2). */
export function xywhToXyxy(boxes: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [x, y, w, h] = columns(boxes);
    return tf.stack([x, y, tf.add(x, w), tf.add(y, h)], 1) as tf.Tensor2D;
  });
}

/** (x1, y1, x2, y2) → (cx, cy, w, h). */
export function xyxyToCxcywh(boxes: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [x1, y1, x2, y2] = columns(boxes);
    const w = tf.sub(x2, x1);
    const h = tf.sub(y2, y1);
    return tf.stack([tf.add(x1, tf.mul(w, 0.5)), tf.add(y1, tf.mul(h, 0.5)), w, h], 1) as tf.Tensor2D;
  });
}

/** (cx, cy, w, h) → (x1, y1, x2, y2). */
export function cxcywhToXyxy(boxes: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [cx, cy, w, h] = columns(boxes);
    const halfW = tf.mul(w, 0.5);
    const halfH = tf.mul(h, 0.5);
    return tf.stack([tf.sub(cx, halfW), tf.sub(cy, halfH), tf.add(cx, halfW), tf.add(cy, halfH)], 1) as tf.Tensor2D;
  });
}

/** The four coordinate columns of an [N, 4] tensor, each [N]. */
export function columns(boxes: tf.Tensor2D): [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D] {
  if (boxes.rank !== 2 || boxes.shape[1] !== 4) {
    throw new Error(`expected boxes of shape [N, 4], got [${boxes.shape.join(', ')}]`);
  }
  return tf.unstack(boxes, 1) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
}
