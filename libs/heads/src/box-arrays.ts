import { DEFAULT_SCALE_CLAMP, type BoxCoderWeights } from '@kestrel/ops';

/**
 * `Box2BoxTransform.applyDeltas` on plain arrays (inference paths need no gradient): decodes
 * row r of `deltas` (k boxes of 4 values, class-specific when k > 1) against reference box
 * `rows[r]` of `boxes`. dw, dh are clamped from above at `scaleClamp` before exp. Returns
 * rows.length × k × 4 values.
 */
export function decodeBoxesArray(
  deltas: Float32Array,
  boxes: Float32Array,
  rows: ArrayLike<number>,
  k: number,
  weights: BoxCoderWeights,
  scaleClamp = DEFAULT_SCALE_CLAMP,
): Float32Array {
  const [wx, wy, ww, wh] = weights;
  const out = new Float32Array(rows.length * k * 4);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const w = boxes[4 * r + 2]! - boxes[4 * r]!;
    const h = boxes[4 * r + 3]! - boxes[4 * r + 1]!;
    const cx = boxes[4 * r]! + 0.5 * w;
    const cy = boxes[4 * r + 1]! + 0.5 * h;
    for (let j = 0; j < k; j++) {
      const d = 4 * (r * k + j);
      const pcx = (deltas[d]! / wx) * w + cx;
      const pcy = (deltas[d + 1]! / wy) * h + cy;
      const pw = Math.exp(Math.min(deltas[d + 2]! / ww, scaleClamp)) * w;
      const ph = Math.exp(Math.min(deltas[d + 3]! / wh, scaleClamp)) * h;
      const o = 4 * (i * k + j);
      out[o] = pcx - 0.5 * pw;
      out[o + 1] = pcy - 0.5 * ph;
      out[o + 2] = pcx + 0.5 * pw;
      out[o + 3] = pcy + 0.5 * ph;
    }
  }
  return out;
}

/**
 * For each box, the largest fraction of its own area covered by one of `regions` (intersection
 * over the box's area, mmdetection's "iof"). Used to keep boxes inside crowd regions out of the
 * background samples.
 */
export function maxIntersectionOverAreaArray(boxes: Float32Array, regions: Float32Array): Float32Array {
  const n = boxes.length / 4;
  const out = new Float32Array(n);
  if (regions.length === 0) return out;
  for (let i = 0; i < n; i++) {
    const [x1, y1, x2, y2] = [boxes[4 * i]!, boxes[4 * i + 1]!, boxes[4 * i + 2]!, boxes[4 * i + 3]!];
    const area = (x2 - x1) * (y2 - y1);
    if (!(area > 0)) continue;
    let best = 0;
    for (let j = 0; j < regions.length; j += 4) {
      const w = Math.min(x2, regions[j + 2]!) - Math.max(x1, regions[j]!);
      const h = Math.min(y2, regions[j + 3]!) - Math.max(y1, regions[j + 1]!);
      if (w > 0 && h > 0) best = Math.max(best, (w * h) / area);
    }
    out[i] = best;
  }
  return out;
}

/** Concatenates flat arrays. */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
