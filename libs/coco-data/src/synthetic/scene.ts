/**
 * One synthetic image: a textured background, an optional crowd of tiny shapes, and several
 * shapes painted in order, later ones occluding earlier ones.
 *
 * Annotation rules (all exact, from the painted pixels):
 * - a shape that nothing occludes and that has no hole keeps its polygon — the very polygon
 *   that was rasterised (pycocotools rules) to paint it;
 * - an occluded shape, a ring (its hole cannot be written as COCO polygons, which are united)
 *   and a crowd get an RLE of exactly their visible pixels;
 * - `area` is the visible pixel count, `bbox` the tight pixel box of the visible pixels.
 * Placements that would leave an earlier object less than half visible are retried.
 */
import type { Rng } from '@kestrel/runtime';
import type { Polygon, RleObject } from '../coco/types';
import type { RgbImage } from '../image/rgb-image';
import { bitmapBox, type Bitmap } from '../mask/bitmap';
import { encodeRle } from '../mask/rle';
import { polygonsToBitmap } from '../mask/polygon';
import { renderBackground, shapeColor } from './background';
import { SHAPE_CATEGORIES, shapeGeometry, type ShapeGeometry, type ShapeName } from './shapes';

export interface SceneOptions {
  /** Image side in pixels (square images). */
  size: number;
  minObjects: number;
  maxObjects: number;
  /** Probability that the image contains one crowd region. */
  crowdProbability: number;
}

export interface SceneAnnotation {
  categoryId: number;
  iscrowd: 0 | 1;
  segmentation: Polygon[] | RleObject;
  area: number;
  /** [x, y, width, height] */
  bbox: [number, number, number, number];
}

export interface Scene {
  image: RgbImage;
  annotations: SceneAnnotation[];
}

/** Smallest share of an object's pixels that must stay visible. */
const MIN_VISIBLE_FRACTION = 0.5;
const PLACEMENT_TRIES = 25;

interface PaintedObject {
  categoryId: number;
  crowd: boolean;
  /** The polygon to report when the object is unoccluded and has no hole. */
  polygon: Polygon | null;
  color: [number, number, number];
  fullCount: number;
  visibleCount: number;
}

function rasterize(geometry: ShapeGeometry, size: number): Bitmap {
  const bitmap = polygonsToBitmap(geometry.outer, size, size);
  if (geometry.holes.length > 0) {
    const hole = polygonsToBitmap(geometry.holes, size, size);
    for (let p = 0; p < bitmap.data.length; p++) if (hole.data[p]) bitmap.data[p] = 0;
  }
  return bitmap;
}

function unionInto(target: Bitmap, source: Bitmap): void {
  for (let p = 0; p < target.data.length; p++) if (source.data[p]) target.data[p] = 1;
}

function colorDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(Math.abs(a[0]! - b[0]!), Math.abs(a[1]! - b[1]!), Math.abs(a[2]! - b[2]!));
}

export function renderScene(options: SceneOptions, rng: Rng): Scene {
  const { size } = options;
  const owner = new Int16Array(size * size).fill(-1);
  const objects: PaintedObject[] = [];

  const distinctColor = (): [number, number, number] => {
    for (let tries = 0; ; tries++) {
      const color = shapeColor(rng);
      if (tries > 50 || objects.every((o) => colorDistance(o.color, color) >= 40)) return color;
    }
  };

  /** Paints `mask` as a new object if every earlier object stays visible enough. */
  const tryPaint = (mask: Bitmap, object: Omit<PaintedObject, 'fullCount' | 'visibleCount' | 'color'>): boolean => {
    const lost = new Int32Array(objects.length);
    let count = 0;
    for (let p = 0; p < mask.data.length; p++) {
      if (!mask.data[p]) continue;
      count++;
      const o = owner[p] as number;
      if (o >= 0) lost[o]!++;
    }
    if (count === 0) return false;
    for (let o = 0; o < objects.length; o++) {
      const painted = objects[o] as PaintedObject;
      if (painted.visibleCount - (lost[o] as number) < MIN_VISIBLE_FRACTION * painted.fullCount) return false;
    }
    const index = objects.length;
    for (let o = 0; o < objects.length; o++) (objects[o] as PaintedObject).visibleCount -= lost[o] as number;
    for (let p = 0; p < mask.data.length; p++) if (mask.data[p]) owner[p] = index;
    objects.push({ ...object, color: distinctColor(), fullCount: count, visibleCount: count });
    return true;
  };

  const shapeNames = SHAPE_CATEGORIES.map((c) => c.name);
  const categoryId = (name: ShapeName): number => SHAPE_CATEGORIES.find((c) => c.name === name)!.id;

  if (rng.random() < options.crowdProbability) {
    // A crowd: many tiny shapes of one kind and colour, annotated as one iscrowd region.
    const kinds = shapeNames.filter((n) => n !== 'ring');
    const name = kinds[rng.integer(0, kinds.length)] as ShapeName;
    const side = size * rng.uniform(0.12, 0.28);
    const x0 = rng.uniform(0, size - side);
    const y0 = rng.uniform(0, size - side);
    const crowdMask: Bitmap = { height: size, width: size, data: new Uint8Array(size * size) };
    const members = rng.integer(10, 25);
    for (let k = 0; k < members; k++) {
      const r = size * rng.uniform(0.011, 0.018);
      const geometry = shapeGeometry(name, x0 + rng.uniform(r, side - r), y0 + rng.uniform(r, side - r), r, rng);
      unionInto(crowdMask, rasterize(geometry, size));
    }
    tryPaint(crowdMask, { categoryId: categoryId(name), crowd: true, polygon: null });
  }

  const wanted = rng.integer(options.minObjects, options.maxObjects + 1);
  const minRadius = size * 0.03;
  const maxRadius = size * 0.42;
  // Log-uniform radii, so COCO-small, medium and large areas all occur; bigger shapes are
  // painted first (further back), so small ones are rarely hidden behind large ones.
  const radii = Array.from({ length: wanted }, () => Math.exp(rng.uniform(Math.log(minRadius), Math.log(maxRadius))));
  radii.sort((a, b) => b - a);
  for (const preferred of radii) {
    const name = shapeNames[rng.integer(0, shapeNames.length)] as ShapeName;
    for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      // After a few failed tries, shrink: a smaller shape fits between the others more easily.
      const radius = Math.max(minRadius, preferred * Math.pow(0.9, Math.max(0, attempt - 5)));
      const cx = rng.uniform(radius + 1, size - radius - 1);
      const cy = rng.uniform(radius + 1, size - radius - 1);
      const geometry = shapeGeometry(name, cx, cy, radius, rng);
      const polygon = geometry.holes.length === 0 && geometry.outer.length === 1 ? (geometry.outer[0] as Polygon) : null;
      if (tryPaint(rasterize(geometry, size), { categoryId: categoryId(name), crowd: false, polygon })) break;
    }
  }

  // Pixels: background, then each pixel in its owner's colour.
  const image = renderBackground(size, size, rng);
  for (let p = 0; p < owner.length; p++) {
    const o = owner[p] as number;
    if (o < 0) continue;
    const color = (objects[o] as PaintedObject).color;
    image.data[3 * p] = color[0];
    image.data[3 * p + 1] = color[1];
    image.data[3 * p + 2] = color[2];
  }

  const annotations = objects.map((object, index): SceneAnnotation => {
    const visible: Bitmap = { height: size, width: size, data: new Uint8Array(size * size) };
    for (let p = 0; p < owner.length; p++) if (owner[p] === index) visible.data[p] = 1;
    const box = bitmapBox(visible) as [number, number, number, number];
    const exactPolygon = object.polygon !== null && object.visibleCount === object.fullCount;
    return {
      categoryId: object.categoryId,
      iscrowd: object.crowd ? 1 : 0,
      segmentation: exactPolygon ? [object.polygon as Polygon] : encodeRle(visible),
      area: object.visibleCount,
      bbox: [box[0], box[1], box[2] - box[0], box[3] - box[1]],
    };
  });
  return { image, annotations };
}
