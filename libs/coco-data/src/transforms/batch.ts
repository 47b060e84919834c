import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '../image/rgb-image';
import type { InstanceTargets } from './instances';
import { checkNormalization, normalizeInto, type PixelNormalization } from './normalize';

/** One image after decoding and transforms, before batching. */
export interface Sample {
  imageId: number;
  fileName: string;
  /** Size in the COCO entry, [height, width]. */
  originalSize: [number, number];
  /** RGB pixels after resizing/flipping (not normalised, not padded). */
  image: RgbImage;
  /** [sy, sx] = new size / original size per axis (multiply original coordinates by these). */
  scale: [number, number];
  flipped: boolean;
  targets: InstanceTargets;
}

export interface CollateOptions {
  normalization: PixelNormalization;
  /** Pad height and width up to a multiple of this (FPN needs 32). Default 32. */
  sizeDivisibility?: number;
}

/** A batch on the host: normalised, zero-padded NHWC float32 pixels plus per-image metadata. */
export interface HostBatch {
  /** N × H × W × 3, row-major. */
  pixels: Float32Array;
  shape: [number, number, number, number];
  samples: Sample[];
}

/** Smallest multiple of `divisor` that is >= `value`. */
export function padTo(value: number, divisor: number): number {
  return divisor > 1 ? Math.ceil(value / divisor) * divisor : value;
}

/**
 * Normalises each sample and pads all to a common size (max height/width in the batch, rounded
 * up to `sizeDivisibility`), with zeros after normalisation — detectron2's `ImageList`.
 */
export function collateSamples(samples: Sample[], options: CollateOptions): HostBatch {
  if (samples.length === 0) throw new Error('collateSamples: empty batch');
  checkNormalization(options.normalization);
  const divisor = options.sizeDivisibility ?? 32;
  if (!Number.isInteger(divisor) || divisor < 1) throw new RangeError(`sizeDivisibility: expected a positive integer, got ${divisor}`);
  const height = padTo(Math.max(...samples.map((s) => s.image.height)), divisor);
  const width = padTo(Math.max(...samples.map((s) => s.image.width)), divisor);
  const pixels = new Float32Array(samples.length * height * width * 3);
  samples.forEach((sample, n) => normalizeInto(sample.image, options.normalization, pixels, n * height * width, width));
  return { pixels, shape: [samples.length, height, width, 3], samples };
}

/** A training/inference batch: image tensor plus what the model needs per image. */
export interface Batch {
  /** [N, H, W, 3] float32, normalised, zero padded. Dispose it (or call `dispose()`). */
  images: tf.Tensor4D;
  imageIds: number[];
  fileNames: string[];
  /** Per image [height, width] after resizing, before padding (detectron2 `image_sizes`). */
  imageSizes: [number, number][];
  /** Per image [height, width] in the COCO entry. */
  originalSizes: [number, number][];
  /** Per image [sy, sx]: divide predicted coordinates by these to return to the original image. */
  scaleFactors: [number, number][];
  flipped: boolean[];
  /** Ground truth per image, in the resized/flipped image's coordinates. */
  targets: InstanceTargets[];
  /** Releases the image tensor. */
  dispose(): void;
}

export function hostBatchToBatch(host: HostBatch): Batch {
  const images = tf.tensor4d(host.pixels, host.shape, 'float32');
  const s = host.samples;
  return {
    images,
    imageIds: s.map((x) => x.imageId),
    fileNames: s.map((x) => x.fileName),
    imageSizes: s.map((x) => [x.image.height, x.image.width]),
    originalSizes: s.map((x) => x.originalSize),
    scaleFactors: s.map((x) => x.scale),
    flipped: s.map((x) => x.flipped),
    targets: s.map((x) => x.targets),
    dispose: () => images.dispose(),
  };
}
