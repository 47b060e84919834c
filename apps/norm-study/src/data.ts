/**
 * The study's dataset: square crops of single objects from Kestrel's built-in synthetic shapes
 * dataset (5 classes: circle, square, triangle, star, ring), resized to `cropSize`².
 *
 * Scenes are rendered in memory with `renderShapesImage` — the very images and exact
 * annotations `ensureShapesDataset` writes to disk — so a study needs no cache folder and the
 * crops depend only on the options.
 */
import { renderShapesImage, SHAPE_CATEGORIES, type ShapesDatasetOptions } from '@kestrel/coco-data';

export interface CropDatasetOptions {
  /** Shapes-dataset seed (the scenes; independent of the training seeds). Default 0. */
  sceneSeed?: number;
  /** Scenes rendered for the training crops. Default 400. */
  trainScenes?: number;
  /** Scenes rendered for the validation crops. Default 100. */
  valScenes?: number;
  /** Side of the rendered scenes. Default 128 (small scenes keep rendering under a second). */
  sceneSize?: number;
  /** Side of the square crops fed to the model. Default 24. */
  cropSize?: number;
  /** Objects whose box is smaller than this (longer side, pixels) are skipped. Default 8. */
  minObjectSize?: number;
  /** Context around the box: crop side = (1 + margin)·longer box side. Default 0.25. */
  margin?: number;
}

export const CROP_DATASET_DEFAULTS: Readonly<Required<CropDatasetOptions>> = Object.freeze({
  sceneSeed: 0,
  trainScenes: 400,
  valScenes: 100,
  sceneSize: 128,
  cropSize: 24,
  minObjectSize: 8,
  margin: 0.25,
});

/** Crops of one split, normalized to zero mean and unit variance per channel (train statistics). */
export interface CropSplit {
  /** [count, size, size, 3] row-major, NHWC. */
  images: Float32Array;
  /** Class index 0..classes−1 per crop. */
  labels: Int32Array;
  count: number;
}

export interface CropDataset {
  train: CropSplit;
  val: CropSplit;
  size: number;
  classNames: string[];
  /** Per-channel pixel mean and std (0–255 units) used to normalize both splits. */
  pixelMean: [number, number, number];
  pixelStd: [number, number, number];
}

/** Bilinear sample of an RGB image at (x, y) in pixel-centre coordinates, edges clamped. */
function sampleBilinear(data: Uint8Array, width: number, height: number, x: number, y: number, out: Float32Array, at: number): void {
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  for (let c = 0; c < 3; c++) {
    const a = data[(y0 * width + x0) * 3 + c]!;
    const b = data[(y0 * width + x1) * 3 + c]!;
    const d = data[(y1 * width + x0) * 3 + c]!;
    const e = data[(y1 * width + x1) * 3 + c]!;
    out[at + c] = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
  }
}

/**
 * Crops around each annotated object box ([x, y, w, h]) into `size`² pixels (0–255 floats),
 * a square of side (1 + margin)·max(w, h) centred on the box.
 */
export function cropObject(
  image: { data: Uint8Array; width: number; height: number },
  bbox: readonly [number, number, number, number],
  size: number,
  margin: number,
  out: Float32Array,
  offset: number,
): void {
  const [bx, by, bw, bh] = bbox;
  const side = Math.max(bw, bh) * (1 + margin);
  const x0 = bx + bw / 2 - side / 2;
  const y0 = by + bh / 2 - side / 2;
  const step = side / size;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      // Pixel centres of the output map to pixel centres of the source (−0.5 shifts).
      const sx = x0 + (i + 0.5) * step - 0.5;
      const sy = y0 + (j + 0.5) * step - 0.5;
      sampleBilinear(image.data, image.width, image.height, sx, sy, out, offset + (j * size + i) * 3);
    }
  }
}

function cropSplit(split: 'train' | 'val', scenes: number, o: Required<CropDatasetOptions>): { images: Float32Array; labels: Int32Array } {
  const shapes: ShapesDatasetOptions = { seed: o.sceneSeed, imageSize: o.sceneSize, trainImages: 0, valImages: 0, crowdProbability: 0 };
  const pixels = o.cropSize * o.cropSize * 3;
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  for (let index = 0; index < scenes; index++) {
    const scene = renderShapesImage(shapes, split, index);
    for (const a of scene.annotations) {
      if (a.iscrowd || Math.max(a.bbox[2], a.bbox[3]) < o.minObjectSize) continue;
      const crop = new Float32Array(pixels);
      cropObject(scene.image, a.bbox, o.cropSize, o.margin, crop, 0);
      chunks.push(crop);
      labels.push(a.categoryId - 1);
    }
  }
  const images = new Float32Array(chunks.length * pixels);
  chunks.forEach((c, i) => images.set(c, i * pixels));
  return { images, labels: Int32Array.from(labels) };
}

/** Per-channel mean and std of NHWC pixels. */
export function channelStats(images: Float32Array): { mean: [number, number, number]; std: [number, number, number] } {
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  for (let i = 0; i < images.length; i++) {
    const v = images[i]!;
    sum[i % 3]! += v;
    sq[i % 3]! += v * v;
  }
  const n = Math.max(1, images.length / 3);
  const mean = sum.map((s) => s / n) as [number, number, number];
  const std = sq.map((s, c) => Math.sqrt(Math.max(s / n - mean[c]! ** 2, 1e-6))) as [number, number, number];
  return { mean, std };
}

function normalizeInPlace(images: Float32Array, mean: readonly number[], std: readonly number[]): void {
  for (let i = 0; i < images.length; i++) images[i] = (images[i]! - mean[i % 3]!) / std[i % 3]!;
}

export function resolveCropOptions(options: CropDatasetOptions = {}): Required<CropDatasetOptions> {
  const o = { ...CROP_DATASET_DEFAULTS, ...options };
  for (const key of ['trainScenes', 'valScenes', 'sceneSize', 'cropSize', 'minObjectSize'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new RangeError(`data: option "${key}" must be a positive integer, got ${o[key]}`);
  }
  if (o.sceneSize < 32) throw new RangeError(`data: option "sceneSize" must be at least 32, got ${o.sceneSize}`);
  if (!(o.margin >= 0)) throw new RangeError(`data: option "margin" must be >= 0, got ${o.margin}`);
  return o;
}

/** Renders the scenes and returns normalized train and validation crops. */
export function buildCropDataset(options: CropDatasetOptions = {}): CropDataset {
  const o = resolveCropOptions(options);
  const train = cropSplit('train', o.trainScenes, o);
  const val = cropSplit('val', o.valScenes, o);
  if (train.labels.length === 0 || val.labels.length === 0) {
    throw new Error(`data: no object crops (train ${train.labels.length}, val ${val.labels.length}); render more scenes or lower minObjectSize`);
  }
  const { mean, std } = channelStats(train.images);
  normalizeInPlace(train.images, mean, std);
  normalizeInPlace(val.images, mean, std);
  return {
    train: { ...train, count: train.labels.length },
    val: { ...val, count: val.labels.length },
    size: o.cropSize,
    classNames: SHAPE_CATEGORIES.map((c) => c.name),
    pixelMean: mean,
    pixelStd: std,
  };
}
