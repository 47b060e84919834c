/**
 * Polygon rasterisation with pycocotools' exact semantics (`rleFrPoly`): the outline is traced
 * on a 5× finer integer grid, and pixel (x, y) is inside when its centre (x + 0.5, y + 0.5)
 * lies below an odd number of boundary crossings in its column. COCO areas, pycocotools'
 * evaluation and detectron2's mask targets all use this rule, so Kestrel does too — through
 * `@kestrel/coco-eval`'s implementation, which this module adapts to bitmaps.
 */
import { decodeRle as decodeCocoRle, mergeRles, polygonToRle } from '@kestrel/coco-eval';
import type { Polygon, Segmentation } from '../coco/types';
import { isRle } from '../coco/types';
import { emptyBitmap, type Bitmap } from './bitmap';
import { decodeRle } from './rle';

/** Column-major run lengths of one polygon rasterised into an h × w grid. */
export function polygonToRleCounts(xy: ArrayLike<number>, height: number, width: number): number[] {
  return Array.from(polygonToRle(xy, height, width).counts);
}

/** Union of polygons rasterised into an h × w bitmap (pycocotools `frPyObjects` + `merge`). */
export function polygonsToBitmap(polygons: readonly ArrayLike<number>[], height: number, width: number): Bitmap {
  if (polygons.length === 0) return emptyBitmap(height, width);
  const merged = mergeRles(polygons.map((polygon) => polygonToRle(polygon, height, width)));
  return { height, width, data: decodeCocoRle(merged) };
}

/** Any COCO segmentation as an h × w bitmap (an RLE must already have that size). */
export function segmentationToBitmap(segmentation: Segmentation, height: number, width: number): Bitmap {
  if (!isRle(segmentation)) return polygonsToBitmap(segmentation, height, width);
  const [h, w] = segmentation.size;
  if (h !== height || w !== width) throw new Error(`RLE size [${h}, ${w}] does not match the image [${height}, ${width}]`);
  return decodeRle(segmentation);
}

/** Geometric (shoelace) area of a simple polygon. */
export function polygonArea(xy: Polygon | ArrayLike<number>): number {
  const k = xy.length >> 1;
  let twice = 0;
  for (let i = 0; i < k; i++) {
    const j = (i + 1) % k;
    twice += (xy[2 * i] as number) * (xy[2 * j + 1] as number) - (xy[2 * j] as number) * (xy[2 * i + 1] as number);
  }
  return Math.abs(twice) / 2;
}
