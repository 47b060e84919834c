/** A minimal RGB raster for charts: rectangles, thick lines, markers, text (coco-data's 5×7 font). */
import { drawText, encodePng, type Rgb, type RgbImage } from '@kestrel/coco-data';

/** Width of the font's glyph cell in font pixels (5 px glyph + 1 px spacing). */
const GLYPH_ADVANCE = 6;
const GLYPH_HEIGHT = 7;
// Jest runs code in a vm context where each lookup of a global such as `Math` costs ~100× more
// (a 3000-iteration loss chart took 20 s instead of 0.2 s); the pixel loops use this alias.
const M = Math;

export class Canvas {
  readonly image: RgbImage;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.image = { width, height, data: new Uint8Array(width * height * 3) };
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, color: Rgb): void {
    const xi = M.round(x);
    const yi = M.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const i = (yi * this.width + xi) * 3;
    this.image.data[i] = color[0];
    this.image.data[i + 1] = color[1];
    this.image.data[i + 2] = color[2];
  }

  getPixel(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.image.data[i]!, this.image.data[i + 1]!, this.image.data[i + 2]!];
  }

  /** Fills [x1, x2) × [y1, y2), clipped. */
  fillRect(x1: number, y1: number, x2: number, y2: number, color: Rgb): void {
    const xa = M.max(0, M.round(M.min(x1, x2)));
    const xb = M.min(this.width, M.round(M.max(x1, x2)));
    const ya = M.max(0, M.round(M.min(y1, y2)));
    const yb = M.min(this.height, M.round(M.max(y1, y2)));
    const data = this.image.data;
    for (let y = ya; y < yb; y++) {
      for (let i = (y * this.width + xa) * 3, end = (y * this.width + xb) * 3; i < end; i += 3) {
        data[i] = color[0];
        data[i + 1] = color[1];
        data[i + 2] = color[2];
      }
    }
  }

  /** A line `width` pixels thick (square brush stepped along the segment). */
  line(x1: number, y1: number, x2: number, y2: number, color: Rgb, width = 1): void {
    const steps = M.max(1, M.ceil(M.hypot(x2 - x1, y2 - y1) * 2));
    const half = (width - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x1 + ((x2 - x1) * s) / steps;
      const y = y1 + ((y2 - y1) * s) / steps;
      this.fillRect(x - half, y - half, x + half + 1, y + half + 1, color);
    }
  }

  /** Dashed line: `dash` pixels on, `dash` off. */
  dashedLine(x1: number, y1: number, x2: number, y2: number, color: Rgb, dash = 4): void {
    const length = Math.hypot(x2 - x1, y2 - y1);
    for (let t = 0; t < length; t += 2 * dash) {
      const a = t / length;
      const b = Math.min(1, (t + dash) / length);
      this.line(x1 + (x2 - x1) * a, y1 + (y2 - y1) * a, x1 + (x2 - x1) * b, y1 + (y2 - y1) * b, color);
    }
  }

  /** A filled disc marker. */
  disc(cx: number, cy: number, radius: number, color: Rgb): void {
    const r = M.ceil(radius);
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        if (dx * dx + dy * dy <= radius * radius + 0.5) this.setPixel(cx + dx, cy + dy, color);
      }
    }
  }

  /** Text with its top-left at (x, y); `align` positions it around x instead. */
  text(x: number, y: number, text: string, color: Rgb, scale = 1, align: 'left' | 'center' | 'right' = 'left'): void {
    const { width } = measureText(text, scale);
    const left = align === 'left' ? x : align === 'center' ? x - width / 2 : x - width;
    drawText(this.image, Math.round(left), Math.round(y), text, color, scale);
  }

  /** Text rotated 90° counter-clockwise (for the y-axis label), centred on (cx, cy). */
  verticalText(cx: number, cy: number, text: string, color: Rgb, scale = 1): void {
    const { width, height } = measureText(text, scale);
    const scratch = new Canvas(width, height, [255, 255, 255]);
    scratch.text(0, 0, text, [0, 0, 0], scale);
    const left = Math.round(cx - height / 2);
    const top = Math.round(cy - width / 2);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (scratch.getPixel(x, y)[0] < 128) this.setPixel(left + y, top + (width - 1 - x), color);
      }
    }
  }

  png(): Buffer {
    return encodePng(this.image);
  }
}

/** Size of `text` in pixels at `scale`. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  return { width: Math.max(0, text.length * GLYPH_ADVANCE - 1) * scale, height: GLYPH_HEIGHT * scale };
}
