import type * as tf from '@tensorflow/tfjs-core';
import type { InstanceMask } from '@kestrel/coco-data';

/** [height, width] of an image in pixels. */
export type ImageSize = readonly [height: number, width: number];

/** Channels and stride (input pixels per feature pixel) of a feature map. */
export interface FeatureShape {
  channels: number;
  stride: number;
}

/** Feature maps by name (`p2`…`p6`), NHWC. */
export type FeatureMaps = Readonly<Record<string, tf.Tensor4D>>;

/**
 * Ground truth of one image, in the (resized) image's coordinates. `InstanceTargets` from
 * `@kestrel/coco-data` is one; hand-made targets need only `boxes` and `labels`.
 */
export interface ImageTargets {
  /** n × 4 boxes x1, y1, x2, y2. */
  boxes: Float32Array;
  /** n contiguous class labels in [0, numClasses). */
  labels: Int32Array;
  /** Per instance (or null); required by the mask head. */
  masks?: readonly (InstanceMask | null)[];
  /** m × 4 crowd regions: anchors/proposals that are mostly inside one are not used as background. */
  crowdBoxes?: Float32Array;
}

/** RPN proposals of one image, by decreasing objectness. */
export interface Proposals {
  /** k × 4 boxes, clipped to the image. */
  boxes: Float32Array;
  /** k objectness logits. */
  objectnessLogits: Float32Array;
}

/** Detections of one image in the coordinates of the image the model saw (before rescaling). */
export interface ImageDetections {
  /** d × 4 boxes. */
  boxes: Float32Array;
  scores: Float32Array;
  /** Class labels in [0, numClasses). */
  labels: Int32Array;
  /** d × M × M mask probabilities (M = 28 by default), when the model has a mask head. */
  maskProbs?: Float32Array;
  /** M, the side of each soft mask. */
  maskSize?: number;
}
