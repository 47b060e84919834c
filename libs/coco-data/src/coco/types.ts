/** COCO instances JSON, as read from disk (only the fields Kestrel uses are typed). */

/** One polygon as a flat list [x0, y0, x1, y1, …] in pixel-edge coordinates. */
export type Polygon = number[];

/**
 * Run-length encoding of a binary mask in column-major (Fortran) order, alternating runs of
 * 0s and 1s starting with 0s. `counts` is a plain list ("uncompressed", as in COCO crowd
 * annotations) or pycocotools' compressed string.
 */
export interface RleObject {
  /** [height, width] */
  size: [number, number];
  counts: number[] | string;
}

/** A list of polygons (one object may have several parts) or an RLE mask. */
export type Segmentation = Polygon[] | RleObject;

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  [extra: string]: unknown;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height] in pixels. */
  bbox: [number, number, number, number];
  area?: number;
  iscrowd?: 0 | 1;
  segmentation?: Segmentation;
  [extra: string]: unknown;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
  [extra: string]: unknown;
}

export interface CocoDataset {
  info?: Record<string, unknown>;
  licenses?: unknown[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** Box as [x1, y1, x2, y2] in pixel-edge coordinates (x2 − x1 is the width, no +1). */
export type BoxXYXY = [number, number, number, number];

export function isRle(segmentation: Segmentation): segmentation is RleObject {
  return !Array.isArray(segmentation);
}
