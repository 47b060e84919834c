import { pasteMasksInImage } from '@kestrel/ops';
import type { ImageDetections, ImageSize } from '@kestrel/heads';

/** Detections of one image in its original coordinates. */
export interface Detections {
  /** d × 4 boxes x1, y1, x2, y2 in original image pixels. */
  boxes: Float32Array;
  scores: Float32Array;
  /** Contiguous class labels in [0, numClasses). */
  labels: Int32Array;
  /** Mask R-CNN: one row-major height × width 0/1 mask per detection, at the original size. */
  masks?: Uint8Array[];
  /** [height, width] of the original image (the masks' size). */
  imageSize: [number, number];
}

/**
 * detectron2's `detector_postprocess`: rescales boxes from the size the model saw to the
 * original image size (per axis), clips them to it, drops empty ones, and pastes the soft masks
 * into the original image at threshold 0.5.
 */
export function detectorPostprocess(detections: ImageDetections, inputSize: ImageSize, outputSize: ImageSize, maskThreshold = 0.5): Detections {
  const [inH, inW] = inputSize;
  const [outH, outW] = outputSize;
  const sx = outW / inW;
  const sy = outH / inH;
  const keep: number[] = [];
  const scaled = new Float32Array(detections.boxes.length);
  for (let i = 0; i < detections.scores.length; i++) {
    const b = 4 * i;
    scaled[b] = clamp(detections.boxes[b]! * sx, outW);
    scaled[b + 1] = clamp(detections.boxes[b + 1]! * sy, outH);
    scaled[b + 2] = clamp(detections.boxes[b + 2]! * sx, outW);
    scaled[b + 3] = clamp(detections.boxes[b + 3]! * sy, outH);
    if (scaled[b + 2]! > scaled[b]! && scaled[b + 3]! > scaled[b + 1]!) keep.push(i);
  }
  const boxes = new Float32Array(keep.length * 4);
  keep.forEach((i, j) => boxes.set(scaled.subarray(4 * i, 4 * i + 4), 4 * j));
  const out: Detections = {
    boxes,
    scores: Float32Array.from(keep, (i) => detections.scores[i]!),
    labels: Int32Array.from(keep, (i) => detections.labels[i]!),
    imageSize: [outH, outW],
  };
  if (detections.maskProbs !== undefined) {
    const m = detections.maskSize!;
    const values = new Float32Array(keep.length * m * m);
    keep.forEach((i, j) => values.set(detections.maskProbs!.subarray(i * m * m, (i + 1) * m * m), j * m * m));
    out.masks = pasteMasksInImage({ values, count: keep.length, height: m, width: m }, boxes, [outH, outW], { threshold: maskThreshold });
  }
  return out;
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
