import * as tf from '@tensorflow/tfjs-core';
import { boxValues, type BoxesLike } from '../boxes/values';

const f32 = Math.fround;

/** N soft masks of height × width (row-major, values in [0, 1]) as plain values. */
export interface MaskValues {
  values: Float32Array;
  count: number;
  height: number;
  width: number;
}

export interface PasteMasksOptions {
  /**
   * Binarisation threshold: a pixel is 1 when its pasted value is ≥ threshold. Default 0.5.
   * A negative threshold returns the soft values as ⌊255·v⌋ instead (detectron2's debug mode).
   */
  threshold?: number;
}

/**
 * detectron2's `paste_masks_in_image`: resamples each fixed-size mask (e.g. 28×28 probabilities)
 * into its box on an image of `imageSize`, exactly as `F.grid_sample(align_corners=False)`
 * with zero padding does — image pixel centre (x + 0.5) maps to mask coordinate
 * (x + 0.5 − x0)/(x1 − x0)·M − 0.5, bilinear, zero outside the mask — then thresholds.
 * As on detectron2's CPU path, only pixels within [⌊x0⌋ − 1, ⌈x1⌉ + 1) × [⌊y0⌋ − 1, ⌈y1⌉ + 1)
 * are filled. Returns one row-major height × width mask per instance (inference only).
 */
export function pasteMasksInImage(
  masks: tf.Tensor3D | MaskValues,
  boxes: BoxesLike,
  imageSize: readonly [height: number, width: number],
  options: PasteMasksOptions = {},
): Uint8Array[] {
  const m = masks instanceof tf.Tensor ? readMasks(masks) : masks;
  const b = boxValues(boxes);
  if (b.length / 4 !== m.count) throw new Error(`pasteMasksInImage: ${m.count} masks but ${b.length / 4} boxes`);
  const threshold = options.threshold ?? 0.5;
  const [imgH, imgW] = imageSize;
  const out: Uint8Array[] = [];
  for (let n = 0; n < m.count; n++) {
    const image = new Uint8Array(imgH * imgW);
    const [x0, y0, x1, y1] = [b[4 * n]!, b[4 * n + 1]!, b[4 * n + 2]!, b[4 * n + 3]!];
    const xRange = pixelRange(x0, x1, imgW);
    const yRange = pixelRange(y0, y1, imgH);
    const xs = axisTaps(xRange, x0, x1, m.width);
    const ys = axisTaps(yRange, y0, y1, m.height);
    const mask = m.values.subarray(n * m.height * m.width, (n + 1) * m.height * m.width);
    for (let yi = 0; yi < ys.length; yi++) {
      const ty = ys[yi]!;
      for (let xi = 0; xi < xs.length; xi++) {
        const tx = xs[xi]!;
        const v = bilinear(mask, m.height, m.width, ty, tx);
        const pixel = (yRange[0] + yi) * imgW + xRange[0] + xi;
        image[pixel] = threshold >= 0 ? (v >= threshold ? 1 : 0) : Math.min(255, Math.max(0, Math.trunc(v * 255)));
      }
    }
    out.push(image);
  }
  return out;
}

/** A resampling position along one axis: the low mask cell and the weight of the next one. */
interface Tap {
  low: number;
  frac: number;
}

/** Pixels [⌊lo⌋ − 1, ⌈hi⌉ + 1) clipped to the image (detectron2's skip_empty region). */
function pixelRange(lo: number, hi: number, size: number): [number, number] {
  const start = Math.max(Math.floor(lo) - 1, 0);
  const end = Math.min(Math.ceil(hi) + 1, size);
  return [start, Math.max(start, end)];
}

/** Mask coordinates of the pixel centres in `range`, in float32 steps as grid_sample takes them. */
function axisTaps(range: [number, number], lo: number, hi: number, maskSize: number): (Tap | null)[] {
  const taps: (Tap | null)[] = [];
  const extent = f32(hi - lo);
  for (let p = range[0]; p < range[1]; p++) {
    const grid = f32(f32(f32(f32(p + 0.5) - lo) / extent) * 2 - 1);
    const coord = f32(f32(f32(grid + 1) * maskSize - 1) / 2);
    if (!Number.isFinite(coord)) {
      taps.push(null);
      continue;
    }
    const low = Math.floor(coord);
    taps.push({ low, frac: f32(coord - low) });
  }
  return taps;
}

/** Bilinear sample with zero padding; null taps (degenerate boxes) sample zero. */
function bilinear(mask: Float32Array, height: number, width: number, ty: Tap | null, tx: Tap | null): number {
  if (!ty || !tx) return 0;
  const { low: y, frac: fy } = ty;
  const { low: x, frac: fx } = tx;
  const top = f32(f32(maskAt(mask, height, width, y, x) * (1 - fx)) + f32(maskAt(mask, height, width, y, x + 1) * fx));
  const bottom = f32(
    f32(maskAt(mask, height, width, y + 1, x) * (1 - fx)) + f32(maskAt(mask, height, width, y + 1, x + 1) * fx),
  );
  return f32(f32(top * (1 - fy)) + f32(bottom * fy));
}

function maskAt(mask: Float32Array, height: number, width: number, y: number, x: number): number {
  return y >= 0 && y < height && x >= 0 && x < width ? mask[y * width + x]! : 0;
}

function readMasks(masks: tf.Tensor3D): MaskValues {
  if (masks.rank !== 3) throw new Error(`pasteMasksInImage: expected masks [N, H, W], got [${masks.shape.join(', ')}]`);
  const data = masks.dataSync();
  const values = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  return { values, count: masks.shape[0], height: masks.shape[1], width: masks.shape[2] };
}
