import sharp from 'sharp';
import { ImageLoadError } from '../errors';
import type { RgbImage } from './rgb-image';
import { resolveImagePath } from './safe-path';

export interface ImageDecodeOptions {
  /**
   * Refuse images with more pixels than this before decoding them (decompression bombs).
   * Default 89 478 485, Pillow's `MAX_IMAGE_PIXELS`.
   */
  limitInputPixels?: number;
  /**
   * sharp's strictness with damaged pixel data: `error` (default) rejects truncated or corrupt
   * files but accepts libjpeg warnings (some real-world JPEGs trigger them); `warning` is
   * stricter, `truncated`/`none` more lenient.
   */
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
  /**
   * Let sharp shrink JPEGs by 2/4/8 while decoding when downscaling a lot. Faster, but not
   * pixel-centre exact. Default false.
   */
  fastShrinkOnLoad?: boolean;
}

export const DEFAULT_LIMIT_INPUT_PIXELS = 89_478_485;

export interface DecodeRequest extends ImageDecodeOptions {
  /** If given, the decoded (EXIF-oriented) image must have this size. */
  expectedSize?: { height: number; width: number };
  /** Resize to this size (bilinear, pixel-centre aligned). */
  resizeTo?: { height: number; width: number };
  /** Mirror left ↔ right after resizing. */
  flip?: boolean;
}

function describeSharpError(error: unknown, limit: number): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return `image exceeds the input pixel limit of ${limit} pixels (decompression-bomb guard; raise limitInputPixels if the image is genuine)`;
  }
  if (/unsupported image format/i.test(message)) return 'not a supported image (expected JPEG, PNG or WebP)';
  if (/input file is missing/i.test(message)) return 'image file not found';
  return `cannot decode image: ${message}`;
}

/**
 * Decodes an image file to 8-bit RGB with EXIF orientation applied and alpha dropped,
 * optionally resized and flipped in the same sharp pipeline (off the main thread).
 *
 * Resizing is pixel-centre aligned, so a box scaled by (W'/W, H'/H) stays on its object:
 * downscaling uses sharp's linear reduce (antialiased like Pillow's bilinear); upscaling uses an
 * affine bilinear map, because sharp's `resize` shifts upscaled output by half a pixel.
 *
 * With `expectedSize` given, the header check and the decode are issued together, so the whole
 * request is one round trip to sharp's threads: it finishes even while the main thread is busy
 * with a synchronous training step.
 */
export async function decodeImageFile(path: string, request: DecodeRequest = {}): Promise<RgbImage> {
  const limit = request.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  const open = (): ReturnType<typeof sharp> => sharp(path, { limitInputPixels: limit, failOn: request.failOn ?? 'error', autoOrient: true });
  try {
    const expected = request.expectedSize;
    const header = open()
      .metadata()
      .then((meta) => ({ width: meta.autoOrient?.width ?? meta.width, height: meta.autoOrient?.height ?? meta.height }));
    // Without an expected size, the source size must be known before choosing the resampler.
    const source = expected ?? (request.resizeTo ? await header : undefined);
    const target = request.resizeTo ?? source;
    const image = open();
    if (source && target && (target.width !== source.width || target.height !== source.height)) {
      const sx = target.width / source.width;
      const sy = target.height / source.height;
      if (sx > 1 || sy > 1) {
        // out + 0.5 = s · (in + 0.5): centre-aligned bilinear upsampling.
        image.affine([sx, 0, 0, sy], { interpolator: 'bilinear', odx: 0.5 * sx - 0.5, ody: 0.5 * sy - 0.5 });
      } else {
        image.resize(target.width, target.height, {
          fit: 'fill',
          kernel: 'linear',
          fastShrinkOnLoad: request.fastShrinkOnLoad ?? false,
        });
      }
    }
    if (request.flip) image.flop();
    const decoded = image.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const [actual, { data, info }] = await Promise.all([header, decoded]);
    if (expected && (expected.width !== actual.width || expected.height !== actual.height)) {
      throw new ImageLoadError(
        path,
        `image is ${actual.width}×${actual.height} (width×height, after EXIF orientation) but its COCO entry says ${expected.width}×${expected.height}`,
      );
    }
    if (info.channels !== 3) throw new ImageLoadError(path, `decoded to ${info.channels} channels, expected 3 (RGB)`);
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const out = target ?? { width: info.width, height: info.height };
    return fitToSize({ width: info.width, height: info.height, data: pixels }, out.height, out.width);
  } catch (error) {
    if (error instanceof ImageLoadError) throw error;
    throw new ImageLoadError(path, describeSharpError(error, limit), { cause: error });
  }
}

/** Decodes `fileName` resolved strictly inside `imagesRoot` (see {@link resolveImagePath}). */
export async function decodeImage(imagesRoot: string, fileName: string, request: DecodeRequest = {}): Promise<RgbImage> {
  return decodeImageFile(resolveImagePath(imagesRoot, fileName), request);
}

/**
 * The affine path may round the output size one pixel off; crop or repeat the edge so the
 * result is exactly height × width.
 */
function fitToSize(image: RgbImage, height: number, width: number): RgbImage {
  if (image.height === height && image.width === width) return image;
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(y, image.height - 1);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(x, image.width - 1);
      const from = (sy * image.width + sx) * 3;
      const to = (y * width + x) * 3;
      data[to] = image.data[from] as number;
      data[to + 1] = image.data[from + 1] as number;
      data[to + 2] = image.data[from + 2] as number;
    }
  }
  return { height, width, data };
}
