/**
 * Textured, noisy, low-saturation backgrounds. Every background pixel has channel spread
 * (max − min) of at most 2·MAX_TINT, while shape colours have at least MIN_SHAPE_CHROMA, so no
 * background pixel can ever have a shape's colour (the exactness test relies on this).
 */
import type { RgbImage } from '../image/rgb-image';
import type { Rng } from '@kestrel/runtime';

export const MAX_TINT = 8;
export const MIN_SHAPE_CHROMA = 80;

// Module-level aliases: global lookups are slow inside Jest's vm contexts.
const { floor, round, sin } = Math;
const clampByte = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : round(v));
const smooth = (t: number): number => t * t * (3 - 2 * t);

export function renderBackground(height: number, width: number, rng: Rng): RgbImage {
  const base = rng.uniform(60, 190);
  const tint = [0, 1, 2].map(() => rng.integer(-MAX_TINT, MAX_TINT + 1)) as [number, number, number];
  // Linear gradient.
  const angle = rng.uniform(0, 2 * Math.PI);
  const gradient = rng.uniform(0, 50);
  const gx = (Math.cos(angle) * gradient) / width;
  const gy = (Math.sin(angle) * gradient) / height;
  // Value noise on a coarse grid (blotches).
  const cell = ([12, 24, 48] as const)[rng.integer(0, 3)] as number;
  const blotch = rng.uniform(8, 35);
  const gridW = Math.ceil(width / cell) + 2;
  const gridH = Math.ceil(height / cell) + 2;
  const grid = Float64Array.from({ length: gridW * gridH }, () => rng.uniform(-1, 1));
  // Stripes at a random frequency and angle.
  const stripeAngle = rng.uniform(0, Math.PI);
  const stripePeriod = rng.uniform(6, 30);
  const stripes = rng.random() < 0.5 ? rng.uniform(4, 16) : 0;
  const sx = (Math.cos(stripeAngle) * 2 * Math.PI) / stripePeriod;
  const sy = (Math.sin(stripeAngle) * 2 * Math.PI) / stripePeriod;
  // Per-pixel grain.
  const grain = rng.integer(2, 9);

  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    const gyCell = y / cell;
    const j = floor(gyCell);
    const ty = smooth(gyCell - j);
    for (let x = 0; x < width; x++) {
      const gxCell = x / cell;
      const i = floor(gxCell);
      const tx = smooth(gxCell - i);
      const g00 = grid[j * gridW + i] as number;
      const g10 = grid[j * gridW + i + 1] as number;
      const g01 = grid[(j + 1) * gridW + i] as number;
      const g11 = grid[(j + 1) * gridW + i + 1] as number;
      const noise = (g00 * (1 - tx) + g10 * tx) * (1 - ty) + (g01 * (1 - tx) + g11 * tx) * ty;
      let luma = base + (x - width / 2) * gx + (y - height / 2) * gy + blotch * noise;
      if (stripes > 0) luma += stripes * sin(x * sx + y * sy);
      luma += (rng.nextUint32() % (2 * grain + 1)) - grain; // modulo bias is irrelevant for grain
      // Keep room for the tint so clamping cannot widen the channel spread.
      luma = luma < MAX_TINT ? MAX_TINT : luma > 255 - MAX_TINT ? 255 - MAX_TINT : luma;
      const p = (y * width + x) * 3;
      data[p] = clampByte(luma + tint[0]);
      data[p + 1] = clampByte(luma + tint[1]);
      data[p + 2] = clampByte(luma + tint[2]);
    }
  }
  return { height, width, data };
}

/** A saturated colour (HSV with high S and V): channel spread >= MIN_SHAPE_CHROMA. */
export function shapeColor(rng: Rng): [number, number, number] {
  for (;;) {
    const h = rng.random() * 6;
    const s = rng.uniform(0.6, 1);
    const v = rng.uniform(0.55, 1);
    const i = Math.floor(h);
    const f = h - i;
    const p = v * (1 - s);
    const q = v * (1 - f * s);
    const t = v * (1 - (1 - f) * s);
    const rgb = ([[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6] as number[]).map((c) => Math.round(c * 255));
    if (Math.max(...rgb) - Math.min(...rgb) >= MIN_SHAPE_CHROMA) return rgb as [number, number, number];
  }
}
