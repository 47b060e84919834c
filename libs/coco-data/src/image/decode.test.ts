import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageLoadError } from '../errors';
import { describeWithTinyCoco, TINY_COCO } from '../test-support/shared-data';
import { decodeImage } from './decode';
import { flipImage, type RgbImage } from './rgb-image';

const root = mkdtempSync(join(tmpdir(), 'kestrel-images-'));
const images = join(root, 'images');
mkdirSync(images);

/** width × height image, left half `left`, right half `right` (RGB). */
function halves(width: number, height: number, left: number[], right: number[]): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(x < width / 2 ? left : right, (y * width + x) * 3);
  }
  return data;
}

const pixel = (image: RgbImage, x: number, y: number): number[] => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

beforeAll(async () => {
  const raw = { raw: { width: 40, height: 20, channels: 3 as const } };
  const redBlue = halves(40, 20, [255, 0, 0], [0, 0, 255]);
  await sharp(redBlue, raw).png().toFile(join(images, 'plain.png'));
  await sharp(redBlue, raw).webp({ lossless: true }).toFile(join(images, 'plain.webp'));
  await sharp(redBlue, raw).jpeg({ quality: 100 }).toFile(join(images, 'plain.jpg'));
  // Stored 40×20 with EXIF orientation 6: shown rotated 90° clockwise, 20 wide × 40 tall.
  await sharp(redBlue, raw).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(join(images, 'rotated.jpg'));
  await sharp(redBlue, raw).ensureAlpha(0.5).png().toFile(join(images, 'alpha.png'));
  await sharp(redBlue, raw).greyscale().png().toFile(join(images, 'grey.png'));
  await sharp(redBlue, raw).toColourspace('rgb16').png().toFile(join(images, 'sixteen-bit.png'));
  writeFileSync(join(images, 'garbage.jpg'), 'this is not an image');
  writeFileSync(join(images, 'empty.png'), '');
  const jpeg = readFileSync(join(images, 'plain.jpg'));
  writeFileSync(join(images, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  writeFileSync(join(root, 'secret.png'), readFileSync(join(images, 'plain.png')));
  symlinkSync(join(root, 'secret.png'), join(images, 'escape.png'));
  mkdirSync(join(images, 'sub'));
  symlinkSync(join(images, 'plain.png'), join(images, 'sub', 'inside-link.png'));
});

describe('decodeImage: formats', () => {
  it.each(['plain.png', 'plain.webp', 'plain.jpg', 'sub/inside-link.png'])('decodes %s to 8-bit RGB', async (name) => {
    const image = await decodeImage(images, name);
    expect([image.width, image.height, image.data.length]).toEqual([40, 20, 40 * 20 * 3]);
    const [r, , b] = pixel(image, 5, 10);
    expect(r).toBeGreaterThan(240);
    expect(b).toBeLessThan(15);
    expect(pixel(image, 35, 10)[2]).toBeGreaterThan(240);
  });

  it('applies EXIF orientation', async () => {
    const image = await decodeImage(images, 'rotated.jpg', { expectedSize: { width: 20, height: 40 } });
    expect([image.width, image.height]).toEqual([20, 40]);
    // Rotating 90° clockwise moves the stored left half (red) to the top.
    expect(pixel(image, 10, 5)[0]).toBeGreaterThan(240);
    expect(pixel(image, 10, 35)[2]).toBeGreaterThan(240);
  });

  it('drops alpha, expands grey, and reduces 16-bit to 8-bit', async () => {
    expect(pixel(await decodeImage(images, 'alpha.png'), 5, 5)).toEqual([255, 0, 0]);
    const grey = await decodeImage(images, 'grey.png');
    const [r, g, b] = pixel(grey, 5, 5);
    expect(r).toBe(g);
    expect(g).toBe(b);
    expect(pixel(await decodeImage(images, 'sixteen-bit.png'), 35, 5)).toEqual([0, 0, 255]);
  });

  it('flips in the same pipeline exactly like a pure flip', async () => {
    const plain = await decodeImage(images, 'plain.jpg', { resizeTo: { width: 64, height: 32 } });
    const flipped = await decodeImage(images, 'plain.jpg', { resizeTo: { width: 64, height: 32 }, flip: true });
    expect(Buffer.from(flipped.data).equals(Buffer.from(flipImage(plain).data))).toBe(true);
  });
});

type BadCase = [name: string, fileName: string, options: Parameters<typeof decodeImage>[2], expected: RegExp];

const badCases: BadCase[] = [
  ['missing file', 'nope.jpg', {}, /nope\.jpg: image file not found/],
  ['not an image', 'garbage.jpg', {}, /garbage\.jpg: not a supported image \(expected JPEG, PNG or WebP\)/],
  ['empty file', 'empty.png', {}, /empty\.png: (not a supported image|cannot decode image)/],
  ['truncated JPEG', 'truncated.jpg', {}, /truncated\.jpg: cannot decode image: .*premature end/i],
  ['parent-directory traversal', '../secret.png', {}, /\.\.\/secret\.png: file_name must stay inside the images root .* \("\.\." is not allowed\)/],
  ['traversal in the middle', 'sub/../../secret.png', {}, /"\.\." is not allowed/],
  ['absolute path', join(root, 'secret.png'), {}, /file_name must be relative to the images root .*not an absolute path/],
  ['symlink leading outside', 'escape.png', {}, /escape\.png: resolves to .*secret\.png, outside the images root/],
  ['too many pixels', 'plain.png', { limitInputPixels: 100 }, /plain\.png: image exceeds the input pixel limit of 100 pixels \(decompression-bomb guard/],
  ['size differs from the COCO entry', 'plain.png', { expectedSize: { width: 30, height: 20 } }, /plain\.png: image is 40×20 \(width×height, after EXIF orientation\) but its COCO entry says 30×20/],
];

describe('decodeImage: malformed inputs', () => {
  it.each(badCases)('%s', async (_name, fileName, options, expected) => {
    const error = await decodeImage(images, fileName, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImageLoadError);
    expect((error as Error).message).toMatch(expected);
  });
});

/** Centre of mass and total of the red channel (0–1) of an image. */
function redMoments(image: RgbImage): { mass: number; cx: number; cy: number } {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const v = image.data[(y * image.width + x) * 3]! / 255;
      mass += v;
      sx += (x + 0.5) * v;
      sy += (y + 0.5) * v;
    }
  }
  return { mass, cx: sx / mass, cy: sy / mass };
}

describe('decodeImage: resizing keeps pixel-edge coordinates aligned', () => {
  // A red rectangle [20, 10] – [36, 22] (x1, y1, x2, y2) on black, 64 × 32.
  const box = [20, 10, 36, 22];
  beforeAll(async () => {
    const data = Buffer.alloc(64 * 32 * 3);
    for (let y = box[1]!; y < box[3]!; y++) for (let x = box[0]!; x < box[2]!; x++) data[(y * 64 + x) * 3] = 255;
    await sharp(data, { raw: { width: 64, height: 32, channels: 3 } }).png().toFile(join(images, 'rect.png'));
  });

  it.each([
    ['upscale 1.6×', 103, 51, false],
    ['upscale 2×, flipped', 128, 64, true],
    ['downscale 0.55×', 35, 18, false],
    ['downscale 0.5×, flipped', 32, 16, true],
  ])('%s', async (_name, width, height, flip) => {
    const image = await decodeImage(images, 'rect.png', { resizeTo: { width, height }, flip });
    const sx = width / 64;
    const sy = height / 32;
    let [x1, y1, x2, y2] = [box[0]! * sx, box[1]! * sy, box[2]! * sx, box[3]! * sy];
    if (flip) [x1, x2] = [width - x2, width - x1];
    const m = redMoments(image);
    // The centroid of the red mass is the centre of the transformed box, and the mass its area.
    expect(Math.abs(m.cx - (x1 + x2) / 2)).toBeLessThan(0.05);
    expect(Math.abs(m.cy - (y1 + y2) / 2)).toBeLessThan(0.05);
    expect(m.mass / ((x2 - x1) * (y2 - y1))).toBeCloseTo(1, 1);
  });
});

describeWithTinyCoco('decodeImage on tiny-coco', () => {
  it('decodes a real photo at its COCO size and resizes it', async () => {
    const image = await decodeImage(TINY_COCO.images, '000000391895.jpg', {
      expectedSize: { width: 640, height: 360 },
      resizeTo: { width: 910, height: 512 },
    });
    expect([image.width, image.height]).toEqual([910, 512]);
  });
});
