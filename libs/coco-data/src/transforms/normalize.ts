import type { RgbImage } from '../image/rgb-image';

/**
 * Pixel normalisation, detectron2 style: channels in `channelOrder`, then
 * (value − mean) / std with mean and std in 0–255 units, listed in that same channel order.
 * It must match the pretrained weights in use.
 */
export interface PixelNormalization {
  channelOrder: 'RGB' | 'BGR';
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** torchvision / ImageNet weights: RGB, mean (0.485, 0.456, 0.406)·255, std (0.229, 0.224, 0.225)·255. Kestrel's default. */
export const TORCHVISION_NORMALIZATION: Readonly<PixelNormalization> = Object.freeze({
  channelOrder: 'RGB',
  mean: [123.675, 116.28, 103.53] as const,
  std: [58.395, 57.12, 57.375] as const,
});

/** MSRA caffe weights (detectron2's R-50.pkl): BGR, mean (103.53, 116.28, 123.675), std 1. */
export const MSRA_CAFFE_NORMALIZATION: Readonly<PixelNormalization> = Object.freeze({
  channelOrder: 'BGR',
  mean: [103.53, 116.28, 123.675] as const,
  std: [1, 1, 1] as const,
});

export function checkNormalization(n: PixelNormalization): void {
  if (n.channelOrder !== 'RGB' && n.channelOrder !== 'BGR') {
    throw new RangeError(`normalization.channelOrder: expected "RGB" or "BGR", got ${JSON.stringify(n.channelOrder)}`);
  }
  const ok = (v: readonly number[], positive: boolean): boolean =>
    v.length === 3 && v.every((x) => Number.isFinite(x) && (!positive || x > 0));
  if (!ok(n.mean, false)) throw new RangeError(`normalization.mean: expected 3 finite numbers, got ${JSON.stringify(n.mean)}`);
  if (!ok(n.std, true)) throw new RangeError(`normalization.std: expected 3 positive numbers, got ${JSON.stringify(n.std)}`);
}

/**
 * Writes a normalised copy of `image` into `out`, an NHWC float buffer `rowStride` pixels wide,
 * starting at pixel `offset`. Padding pixels are left as they are (zero in a fresh buffer).
 */
export function normalizeInto(
  image: RgbImage,
  normalization: PixelNormalization,
  out: Float32Array,
  offset: number,
  rowStride: number,
): void {
  const bgr = normalization.channelOrder === 'BGR';
  // Output channel c reads input channel src[c].
  const src = bgr ? [2, 1, 0] : [0, 1, 2];
  const scale = normalization.std.map((s) => 1 / s);
  const shift = normalization.mean.map((m, c) => -m * (scale[c] as number));
  const [s0, s1, s2] = src as [number, number, number];
  const [k0, k1, k2] = scale as [number, number, number];
  const [b0, b1, b2] = shift as [number, number, number];
  const { width, height, data } = image;
  for (let y = 0; y < height; y++) {
    let from = y * width * 3;
    let to = (offset + y * rowStride) * 3;
    for (let x = 0; x < width; x++, from += 3, to += 3) {
      out[to] = (data[from + s0] as number) * k0 + b0;
      out[to + 1] = (data[from + s1] as number) * k1 + b1;
      out[to + 2] = (data[from + s2] as number) * k2 + b2;
    }
  }
}

/** Undoes the normalisation of an NHWC float image (e.g. one image of a batch) for display. */
export function denormalizeToRgb(
  values: Float32Array,
  height: number,
  width: number,
  normalization: PixelNormalization,
  rowStride = width,
): RgbImage {
  const bgr = normalization.channelOrder === 'BGR';
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * rowStride + x) * 3;
      const to = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = (values[from + c] as number) * (normalization.std[c] as number) + (normalization.mean[c] as number);
        data[to + (bgr ? 2 - c : c)] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  return { height, width, data };
}
