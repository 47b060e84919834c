/**
 * Turns a detector's outputs into COCO results for evaluation: boxes from [x1, y1, x2, y2] in
 * network-input coordinates to [x, y, w, h] in original image coordinates, contiguous class labels
 * back to COCO category ids, and binary masks to compressed RLE.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { encodeMask, toCompressedRle, type CompressedRle } from './rle';

export interface ImageSize {
  readonly height: number;
  readonly width: number;
}

export interface ImageDetections {
  readonly imageId: number;
  /** [x1, y1, x2, y2] per detection, in the coordinates of `inputSize` (or of the original image). */
  readonly boxes: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
  /** Contiguous class labels 0..C-1 (index into `categoryIds`). */
  readonly labels: ArrayLike<number>;
  /** Size of the image the boxes refer to (after resizing), when it is not the original size. */
  readonly inputSize?: ImageSize;
  /** Original image size: boxes are scaled from inputSize to it and clipped to it. */
  readonly originalSize?: ImageSize;
  /**
   * Binary masks at the original image size, row-major, one height×width plane per detection
   * (nonzero = object).
   */
  readonly masks?: { readonly data: ArrayLike<number>; readonly height: number; readonly width: number };
}

export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
  segmentation?: CompressedRle;
}

export interface DetectionsWriterOptions {
  /** COCO category id of each contiguous label: categoryIds[label]. */
  readonly categoryIds: readonly number[];
}

function clamp(value: number, lo: number, hi: number): number {
  return value < lo ? lo : value > hi ? hi : value;
}

/** Converts one image's detections; throws on malformed input (unknown label, non-finite box…). */
export function toCocoResults(image: ImageDetections, options: DetectionsWriterOptions): CocoResult[] {
  const { imageId, boxes, scores, labels, inputSize, originalSize, masks } = image;
  const count = scores.length;
  const where = `image ${imageId}`;
  if (boxes.length !== count * 4) throw new RangeError(`${where}: ${boxes.length} box values for ${count} scores (expected ${count * 4})`);
  if (labels.length !== count) throw new RangeError(`${where}: ${labels.length} labels for ${count} scores`);
  if (inputSize && !originalSize) throw new RangeError(`${where}: inputSize needs originalSize to scale boxes back`);
  if (masks) {
    if (originalSize && (masks.height !== originalSize.height || masks.width !== originalSize.width)) {
      throw new RangeError(`${where}: masks are ${masks.height}×${masks.width} but the original image is ${originalSize.height}×${originalSize.width}`);
    }
    if (masks.data.length !== count * masks.height * masks.width) {
      throw new RangeError(`${where}: mask data has ${masks.data.length} values, expected ${count} × ${masks.height} × ${masks.width}`);
    }
  }
  const scaleX = inputSize && originalSize ? originalSize.width / inputSize.width : 1;
  const scaleY = inputSize && originalSize ? originalSize.height / inputSize.height : 1;
  const results: CocoResult[] = [];
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    const categoryId = options.categoryIds[label];
    if (!Number.isInteger(label) || categoryId === undefined) {
      throw new RangeError(`${where}, detection ${i}: label ${label} has no COCO category (categoryIds has ${options.categoryIds.length} entries)`);
    }
    const score = scores[i]!;
    if (!Number.isFinite(score)) throw new RangeError(`${where}, detection ${i}: score ${score} is not finite`);
    let x1 = boxes[i * 4]! * scaleX;
    let y1 = boxes[i * 4 + 1]! * scaleY;
    let x2 = boxes[i * 4 + 2]! * scaleX;
    let y2 = boxes[i * 4 + 3]! * scaleY;
    if (![x1, y1, x2, y2].every(Number.isFinite)) throw new RangeError(`${where}, detection ${i}: box has non-finite coordinates`);
    if (originalSize) {
      x1 = clamp(x1, 0, originalSize.width);
      x2 = clamp(x2, 0, originalSize.width);
      y1 = clamp(y1, 0, originalSize.height);
      y2 = clamp(y2, 0, originalSize.height);
    }
    const result: CocoResult = {
      image_id: imageId,
      category_id: categoryId,
      bbox: [x1, y1, Math.max(0, x2 - x1), Math.max(0, y2 - y1)],
      score,
    };
    if (masks) {
      const plane = masks.height * masks.width;
      result.segmentation = toCompressedRle(encodeMask(masks.data, masks.height, masks.width, i * plane));
    }
    results.push(result);
  }
  return results;
}

/** Writes results as a COCO results JSON file (via a temporary file, so readers never see half a file). */
export function writeCocoResults(path: string, results: readonly CocoResult[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(results));
  renameSync(temporary, path);
}
