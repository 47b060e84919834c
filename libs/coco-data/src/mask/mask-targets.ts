/**
 * Mask R-CNN mask targets: each ground-truth mask cropped to a (proposal) box and resampled to
 * size × size, with detectron2's semantics:
 * - polygons are shifted to the box corner, scaled by size / box side and rasterised at the
 *   target resolution (`PolygonMasks.crop_and_resize` → `rasterize_polygons_within_box`);
 * - bitmaps are resampled with RoIAlign (aligned, adaptive sampling grid) and thresholded at
 *   0.5 (`BitMasks.crop_and_resize`).
 */
import type { InstanceMask } from '../transforms/instances';
import type { Bitmap } from './bitmap';
import { polygonsToBitmap } from './polygon';

export interface MaskTargetOptions {
  /** Side of the square target. Default 28 (detectron2 `ROI_MASK_HEAD` output). */
  size?: number;
}

/** Rasterises polygons inside `box` into a size × size grid of 0/1 (row-major) written at `out[offset]`. */
export function rasterizePolygonsWithinBox(
  polygons: readonly number[][],
  box: ArrayLike<number>,
  size: number,
  out: Float32Array,
  offset = 0,
): void {
  const x0 = box[0] as number;
  const y0 = box[1] as number;
  const ratioW = size / Math.max((box[2] as number) - x0, 0.1);
  const ratioH = size / Math.max((box[3] as number) - y0, 0.1);
  const local = polygons.map((polygon) => polygon.map((v, i) => (i % 2 === 0 ? (v - x0) * ratioW : (v - y0) * ratioH)));
  const { data } = polygonsToBitmap(local, size, size);
  for (let p = 0; p < data.length; p++) if (data[p]) out[offset + p] = 1;
}

/** Bilinear sample of a bitmap with RoIAlign's border rules (0 outside [-1, H] × [-1, W]). */
function sampleBilinear(bitmap: Bitmap, y: number, x: number): number {
  const { height: h, width: w, data } = bitmap;
  if (y < -1 || y > h || x < -1 || x > w) return 0;
  y = Math.max(y, 0);
  x = Math.max(x, 0);
  let yLow = Math.floor(y);
  let xLow = Math.floor(x);
  let yHigh: number;
  let xHigh: number;
  if (yLow >= h - 1) {
    yLow = yHigh = h - 1;
    y = yLow;
  } else yHigh = yLow + 1;
  if (xLow >= w - 1) {
    xLow = xHigh = w - 1;
    x = xLow;
  } else xHigh = xLow + 1;
  const ly = y - yLow;
  const lx = x - xLow;
  const hy = 1 - ly;
  const hx = 1 - lx;
  return (
    hy * hx * (data[yLow * w + xLow] as number) +
    hy * lx * (data[yLow * w + xHigh] as number) +
    ly * hx * (data[yHigh * w + xLow] as number) +
    ly * lx * (data[yHigh * w + xHigh] as number)
  );
}

/** RoIAlign (aligned = true, sampling ratio 0) of a bitmap into size × size, thresholded at 0.5. */
export function cropAndResizeBitmap(bitmap: Bitmap, box: ArrayLike<number>, size: number, out: Float32Array, offset = 0): void {
  const startX = (box[0] as number) - 0.5;
  const startY = (box[1] as number) - 0.5;
  const binW = ((box[2] as number) - (box[0] as number)) / size;
  const binH = ((box[3] as number) - (box[1] as number)) / size;
  const gridW = Math.ceil(binW);
  const gridH = Math.ceil(binH);
  const count = Math.max(gridW * gridH, 1); // an empty box samples nothing and yields 0
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let sum = 0;
      for (let iy = 0; iy < gridH; iy++) {
        const y = startY + py * binH + ((iy + 0.5) * binH) / gridH;
        for (let ix = 0; ix < gridW; ix++) {
          const x = startX + px * binW + ((ix + 0.5) * binW) / gridW;
          sum += sampleBilinear(bitmap, y, x);
        }
      }
      out[offset + py * size + px] = sum / count >= 0.5 ? 1 : 0;
    }
  }
}

/**
 * Mask targets for R boxes: box r is cropped from `masks[gtIndices[r]]`. Returns R × size × size
 * values of 0/1 (row-major per box). A box whose ground truth has no mask gets zeros.
 */
export function maskTargets(
  masks: readonly (InstanceMask | null)[],
  boxes: ArrayLike<number>,
  gtIndices: ArrayLike<number>,
  options: MaskTargetOptions = {},
): Float32Array {
  const size = options.size ?? 28;
  const count = gtIndices.length;
  if (boxes.length !== count * 4) throw new Error(`maskTargets: ${boxes.length / 4} boxes for ${count} gt indices`);
  const out = new Float32Array(count * size * size);
  for (let r = 0; r < count; r++) {
    const gt = gtIndices[r] as number;
    if (!(gt >= 0 && gt < masks.length)) throw new RangeError(`maskTargets: gt index ${gt} out of range [0, ${masks.length})`);
    const mask = masks[gt];
    if (!mask) continue;
    const box = [boxes[4 * r], boxes[4 * r + 1], boxes[4 * r + 2], boxes[4 * r + 3]] as number[];
    if (mask.kind === 'polygons') rasterizePolygonsWithinBox(mask.polygons, box, size, out, r * size * size);
    else cropAndResizeBitmap(mask.bitmap, box, size, out, r * size * size);
  }
  return out;
}
