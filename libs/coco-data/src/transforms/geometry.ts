/**
 * Pure coordinate transforms for boxes and polygons. Coordinates are continuous pixel-edge
 * coordinates: pixel (i, j) covers [i, i + 1) × [j, j + 1), so resizing an image from W to W'
 * multiplies every x by W' / W and a horizontal flip maps x to W − x (detectron2 conventions).
 */
import type { BoxXYXY, Polygon, RleObject } from '../coco/types';
import { flipBitmap } from '../mask/bitmap';
import { decodeRle, encodeRle } from '../mask/rle';

export function scaleBox(box: readonly number[], sx: number, sy: number): BoxXYXY {
  return [(box[0] as number) * sx, (box[1] as number) * sy, (box[2] as number) * sx, (box[3] as number) * sy];
}

export function flipBox(box: readonly number[], width: number): BoxXYXY {
  return [width - (box[2] as number), box[1] as number, width - (box[0] as number), box[3] as number];
}

export function clipBox(box: readonly number[], height: number, width: number): BoxXYXY {
  const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  return [clamp(box[0] as number, width), clamp(box[1] as number, height), clamp(box[2] as number, width), clamp(box[3] as number, height)];
}

export function scalePolygon(polygon: readonly number[], sx: number, sy: number): Polygon {
  return polygon.map((v, i) => (i % 2 === 0 ? v * sx : v * sy));
}

export function flipPolygon(polygon: readonly number[], width: number): Polygon {
  return polygon.map((v, i) => (i % 2 === 0 ? width - v : v));
}

/** Mirrors an RLE mask left ↔ right (returned with plain counts). */
export function flipRle(rle: RleObject): RleObject {
  return encodeRle(flipBitmap(decodeRle(rle)));
}
