import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import type { RgbImage } from '../image/rgb-image';
import type { Bitmap } from '../mask/bitmap';
import type { InstanceTargets } from '../transforms/instances';
import { instanceMaskToBitmap } from '../transforms/instances';
import { glyphRows, GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, measureText } from './font';

export type Rgb = readonly [number, number, number];

/** One thing to draw: a box, an optional mask, and a caption. */
export interface DrawItem {
  /** [x1, y1, x2, y2] in the image's pixel-edge coordinates. */
  box: ArrayLike<number>;
  /** Caption, e.g. the class name. */
  label?: string;
  /** Appended to the caption as a percentage (predictions). */
  score?: number;
  /** Filled translucently; same size as the image. */
  mask?: Bitmap | null;
  /** Colour; default from `colorKey` (or the label) through {@link paletteColor}. */
  color?: Rgb;
  /** Key for the palette, e.g. the class label, so a class keeps its colour across images. */
  colorKey?: number;
}

export interface DrawOptions {
  /** Opacity of mask fills, 0–1. Default 0.45. */
  maskAlpha?: number;
  /** Box outline thickness in pixels. Default 2 (1 for images under 200 px). */
  lineWidth?: number;
  /** Font pixel size multiplier. Default 1 (2 for images over 600 px). */
  fontScale?: number;
}

/** Distinct, stable colours: golden-ratio hue steps at high saturation. */
export function paletteColor(key: number): Rgb {
  const hue = (key * 0.618033988749895 + 0.08) % 1;
  const [s, v] = [0.75, 0.95];
  const i = Math.floor(hue * 6);
  const f = hue * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const rgb = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i % 6] as [number, number, number];
  return [Math.round(rgb[0] * 255), Math.round(rgb[1] * 255), Math.round(rgb[2] * 255)];
}

function hashLabel(label: string): number {
  let h = 0;
  for (let i = 0; i < label.length; i++) h = (Math.imul(h, 31) + label.charCodeAt(i)) | 0;
  return Math.abs(h);
}

function blendPixel(image: RgbImage, x: number, y: number, color: Rgb, alpha: number): void {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  const i = (y * image.width + x) * 3;
  for (let c = 0; c < 3; c++) {
    image.data[i + c] = Math.round((image.data[i + c] as number) * (1 - alpha) + (color[c] as number) * alpha);
  }
}

export function fillRect(image: RgbImage, x1: number, y1: number, x2: number, y2: number, color: Rgb, alpha = 1): void {
  const xa = Math.max(0, Math.floor(x1));
  const ya = Math.max(0, Math.floor(y1));
  const xb = Math.min(image.width, Math.ceil(x2));
  const yb = Math.min(image.height, Math.ceil(y2));
  for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) blendPixel(image, x, y, color, alpha);
}

/** Outline of a box, drawn inside its edges so it never hides pixels outside it. */
export function strokeBox(image: RgbImage, box: ArrayLike<number>, color: Rgb, lineWidth: number): void {
  const [x1, y1, x2, y2] = [Math.round(box[0] as number), Math.round(box[1] as number), Math.round(box[2] as number), Math.round(box[3] as number)];
  const t = Math.max(1, Math.min(lineWidth, Math.floor((x2 - x1) / 2), Math.floor((y2 - y1) / 2)));
  fillRect(image, x1, y1, x2, y1 + t, color);
  fillRect(image, x1, y2 - t, x2, y2, color);
  fillRect(image, x1, y1, x1 + t, y2, color);
  fillRect(image, x2 - t, y1, x2, y2, color);
}

/** Draws text with its top-left corner at (x, y). */
export function drawText(image: RgbImage, x: number, y: number, text: string, color: Rgb, scale = 1): void {
  for (let n = 0; n < text.length; n++) {
    const rows = glyphRows(text[n] as string);
    const left = x + n * GLYPH_ADVANCE * scale;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      const bits = rows[row] as number;
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (!(bits & (1 << (GLYPH_WIDTH - 1 - col)))) continue;
        fillRect(image, left + col * scale, y + row * scale, left + (col + 1) * scale, y + (row + 1) * scale, color);
      }
    }
  }
}

function captionOf(item: DrawItem): string {
  const score = item.score === undefined ? '' : ` ${Math.round(item.score * 100)}%`;
  return `${item.label ?? ''}${score}`.trim();
}

/**
 * Returns a copy of `image` with masks filled translucently, box outlines, and captions on a
 * solid tab above each box (inside it when there is no room above).
 */
export function drawInstances(image: RgbImage, items: readonly DrawItem[], options: DrawOptions = {}): RgbImage {
  const out: RgbImage = { width: image.width, height: image.height, data: Uint8Array.from(image.data) };
  const alpha = options.maskAlpha ?? 0.45;
  const lineWidth = options.lineWidth ?? (Math.min(image.width, image.height) < 200 ? 1 : 2);
  const scale = options.fontScale ?? (Math.max(image.width, image.height) > 600 ? 2 : 1);
  const colorOf = (item: DrawItem, i: number): Rgb =>
    item.color ?? paletteColor(item.colorKey ?? (item.label ? hashLabel(item.label) : i));

  // Masks first, so outlines and captions stay crisp on top.
  items.forEach((item, i) => {
    const mask = item.mask;
    if (!mask) return;
    if (mask.width !== image.width || mask.height !== image.height) {
      throw new Error(`drawInstances: mask ${i} is ${mask.width}×${mask.height}, image is ${image.width}×${image.height}`);
    }
    const color = colorOf(item, i);
    for (let p = 0; p < mask.data.length; p++) {
      if (mask.data[p]) blendPixel(out, p % image.width, Math.floor(p / image.width), color, alpha);
    }
  });
  items.forEach((item, i) => strokeBox(out, item.box, colorOf(item, i), lineWidth));
  items.forEach((item, i) => {
    const caption = captionOf(item);
    if (!caption) return;
    const color = colorOf(item, i);
    const { width, height } = measureText(caption, scale);
    const pad = scale;
    const x = Math.max(0, Math.min(Math.round(item.box[0] as number), image.width - width - 2 * pad));
    const top = Math.round(item.box[1] as number) - height - 2 * pad;
    const y = top >= 0 ? top : Math.round(item.box[1] as number);
    fillRect(out, x, y, x + width + 2 * pad, y + height + 2 * pad, color);
    const luminance = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
    drawText(out, x + pad, y + pad, caption, luminance > 140 ? [0, 0, 0] : [255, 255, 255], scale);
  });
  return out;
}

/** Draw items for ground truth (or predictions shaped like it) in the image's coordinates. */
export function targetsToDrawItems(
  targets: InstanceTargets,
  height: number,
  width: number,
  classNames: readonly string[],
  scores?: ArrayLike<number>,
): DrawItem[] {
  const items: DrawItem[] = [];
  for (let i = 0; i < targets.labels.length; i++) {
    const label = targets.labels[i] as number;
    const mask = targets.masks[i];
    items.push({
      box: targets.boxes.subarray(4 * i, 4 * i + 4),
      label: classNames[label] ?? String(label),
      colorKey: label,
      ...(scores ? { score: scores[i] as number } : {}),
      ...(mask ? { mask: instanceMaskToBitmap(mask, height, width) } : {}),
    });
  }
  return items;
}

/** Encodes an RGB image as PNG bytes (deterministic: same pixels → same bytes). */
export function encodePng(image: RgbImage): Buffer {
  return PNG.sync.write(
    { width: image.width, height: image.height, data: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength) } as PNG,
    { colorType: 2, inputColorType: 2, inputHasAlpha: false },
  );
}

/** Writes an RGB image as a PNG file, creating its folder. */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodePng(image));
}
