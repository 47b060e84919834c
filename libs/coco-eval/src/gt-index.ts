/**
 * The COCO ground-truth index (pycocotools `COCO`): images, categories and annotations, validated
 * up front for what every evaluation needs (ids, area, iscrowd); boxes and segmentations are
 * validated when an evaluation of that type first asks for them.
 */
import { CocoInputError, describeValue } from './errors';
import { readJsonFile } from './json-file';
import { parseSegmentation, segmentationToRle, type Segmentation } from './segmentation';
import type { Rle } from './rle';

export interface GtImage {
  readonly id: number;
  readonly width: number | undefined;
  readonly height: number | undefined;
  readonly fileName: string | undefined;
  /** Position in the file's `images` list, for error messages. */
  readonly index: number;
}

export interface GtCategory {
  readonly id: number;
  readonly name: string;
  readonly supercategory: string | undefined;
}

export interface GtAnnotation {
  /** Position in the file's `annotations` list. */
  readonly index: number;
  readonly id: number;
  readonly imageId: number;
  readonly categoryId: number;
  /** The annotation's `area` field: pycocotools bins objects by it, not by box or mask size. */
  readonly area: number;
  /** `iscrowd` as a number (booleans become 0/1; missing = 0). */
  readonly iscrowd: number;
  /** The annotation object as read, for bbox / segmentation on demand. */
  readonly raw: Readonly<Record<string, unknown>>;
}

function finiteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export class CocoGroundTruth {
  readonly images: ReadonlyMap<number, GtImage>;
  /** Image ids, sorted ascending (pycocotools' default params.imgIds). */
  readonly imageIds: readonly number[];
  readonly categories: ReadonlyMap<number, GtCategory>;
  /** Category ids, sorted ascending (pycocotools' default params.catIds). */
  readonly categoryIds: readonly number[];
  readonly annotations: readonly GtAnnotation[];
  /** Notes about data that is legal but will not be evaluated (e.g. annotations of unknown images). */
  readonly warnings: readonly string[];

  private readonly boxCache = new Map<number, Float64Array>();
  private readonly rleCache = new Map<number, Rle>();

  private constructor(
    readonly source: string,
    images: Map<number, GtImage>,
    categories: Map<number, GtCategory>,
    annotations: GtAnnotation[],
    warnings: string[],
  ) {
    this.images = images;
    this.imageIds = [...images.keys()].sort((a, b) => a - b);
    this.categories = categories;
    this.categoryIds = [...categories.keys()].sort((a, b) => a - b);
    this.annotations = annotations;
    this.warnings = warnings;
  }

  static fromFile(path: string): CocoGroundTruth {
    return CocoGroundTruth.fromDataset(readJsonFile(path), path);
  }

  /** Builds the index from a parsed COCO annotation object; `source` names it in errors. */
  static fromDataset(dataset: unknown, source = '<ground truth>'): CocoGroundTruth {
    const root = asObject(dataset);
    if (!root) {
      throw new CocoInputError(source, undefined, `a COCO annotation file must be a JSON object with images, annotations and categories, got ${describeValue(dataset, 40)}`);
    }
    for (const key of ['images', 'annotations', 'categories']) {
      if (!Array.isArray(root[key])) throw new CocoInputError(source, undefined, `"${key}" must be a list, got ${describeValue(root[key], 40)}`);
    }
    const images = parseImages(root.images as unknown[], source);
    const categories = parseCategories(root.categories as unknown[], source);
    const warnings: string[] = [];
    const annotations = parseAnnotations(root.annotations as unknown[], source, images, categories, warnings);
    return new CocoGroundTruth(source, images, categories, annotations, warnings);
  }

  entryName(ann: GtAnnotation): string {
    return `annotations[${ann.index}] (id ${ann.id})`;
  }

  /** The annotation's bbox [x, y, w, h], validated: 4 finite numbers, w and h not negative. */
  bboxOf(ann: GtAnnotation): Float64Array {
    let box = this.boxCache.get(ann.index);
    if (!box) {
      box = parseBbox(ann.raw.bbox, this.source, this.entryName(ann));
      this.boxCache.set(ann.index, box);
    }
    return box;
  }

  /** The annotation's mask as RLE (pycocotools annToRLE): polygons rasterised on the image. */
  rleOf(ann: GtAnnotation): Rle {
    let rle = this.rleCache.get(ann.index);
    if (!rle) {
      const entry = this.entryName(ann);
      if (ann.raw.segmentation === undefined) throw new CocoInputError(this.source, entry, 'has no segmentation (needed for segm evaluation)');
      const segmentation: Segmentation = parseSegmentation(ann.raw.segmentation, this.source, entry);
      const [height, width] = segmentation.kind === 'polygon' ? this.imageSize(ann.imageId) : [0, 0];
      rle = segmentationToRle(segmentation, height, width);
      this.rleCache.set(ann.index, rle);
    }
    return rle;
  }

  /** [height, width] of an image; needed to rasterise polygons. */
  imageSize(imageId: number): [number, number] {
    const image = this.images.get(imageId);
    if (!image) throw new CocoInputError(this.source, undefined, `image id ${imageId} is not in "images"`);
    const { height, width } = image;
    if (height === undefined || width === undefined || !Number.isInteger(height) || !Number.isInteger(width)) {
      throw new CocoInputError(
        this.source,
        `images[${image.index}] (id ${image.id})`,
        `needs integer "height" and "width" to rasterise polygons, got ${describeValue(height)} × ${describeValue(width)}`,
      );
    }
    return [height, width];
  }
}

/** [x, y, w, h] with 4 finite numbers and non-negative w, h. */
export function parseBbox(value: unknown, source: string, entry: string): Float64Array {
  const out = new Float64Array(4);
  const problem = readBbox(value, out, 0);
  if (problem !== undefined) throw new CocoInputError(source, entry, problem);
  return out;
}

/**
 * Validates a bbox and writes it to out[offset..offset+3]; returns what is wrong with it, if
 * anything. Allocation-free, as it runs once per detection.
 */
export function readBbox(value: unknown, out: Float64Array, offset: number): string | undefined {
  if (!Array.isArray(value) || value.length !== 4) return `bbox must be 4 finite numbers [x, y, w, h], got ${describeValue(value)}`;
  for (let j = 0; j < 4; j++) {
    const v: unknown = value[j];
    if (typeof v !== 'number' || !Number.isFinite(v)) return `bbox must be 4 finite numbers [x, y, w, h], got ${describeValue(value)}`;
    out[offset + j] = v;
  }
  if (out[offset + 2]! < 0 || out[offset + 3]! < 0) return `bbox has a negative width or height: ${describeValue(value)}`;
  return undefined;
}

function parseImages(list: unknown[], source: string): Map<number, GtImage> {
  const images = new Map<number, GtImage>();
  list.forEach((value, index) => {
    const entry = `images[${index}]`;
    const image = asObject(value);
    if (!image) throw new CocoInputError(source, entry, `must be an object, got ${describeValue(value)}`);
    const { id, width, height, file_name: fileName } = image;
    if (!finiteNumber(id)) throw new CocoInputError(source, entry, `id must be a number, got ${describeValue(id)}`);
    const named = `${entry} (id ${id})`;
    for (const [key, size] of [['width', width], ['height', height]] as const) {
      if (size === undefined) continue;
      if (!finiteNumber(size)) throw new CocoInputError(source, named, `${key} must be a number, got ${describeValue(size)}`);
      if (size < 0) throw new CocoInputError(source, named, `${key} must not be negative, got ${size}`);
    }
    const previous = images.get(id);
    if (previous) throw new CocoInputError(source, named, `duplicate image id (also images[${previous.index}])`);
    images.set(id, {
      id,
      width: width as number | undefined,
      height: height as number | undefined,
      fileName: typeof fileName === 'string' ? fileName : undefined,
      index,
    });
  });
  return images;
}

function parseCategories(list: unknown[], source: string): Map<number, GtCategory> {
  const categories = new Map<number, GtCategory>();
  list.forEach((value, index) => {
    const entry = `categories[${index}]`;
    const category = asObject(value);
    if (!category) throw new CocoInputError(source, entry, `must be an object, got ${describeValue(value)}`);
    const { id, name, supercategory } = category;
    if (!finiteNumber(id)) throw new CocoInputError(source, entry, `id must be a number, got ${describeValue(id)}`);
    if (categories.has(id)) throw new CocoInputError(source, `${entry} (id ${id})`, 'duplicate category id');
    categories.set(id, {
      id,
      name: typeof name === 'string' ? name : String(id),
      supercategory: typeof supercategory === 'string' ? supercategory : undefined,
    });
  });
  return categories;
}

function parseAnnotations(
  list: unknown[],
  source: string,
  images: ReadonlyMap<number, GtImage>,
  categories: ReadonlyMap<number, GtCategory>,
  warnings: string[],
): GtAnnotation[] {
  const seenIds = new Map<number, number>();
  const annotations: GtAnnotation[] = [];
  let unknownImage = 0;
  let unknownCategory = 0;
  list.forEach((value, index) => {
    let entry = `annotations[${index}]`;
    const ann = asObject(value);
    if (!ann) throw new CocoInputError(source, entry, `must be an object, got ${describeValue(value)}`);
    const { id, image_id: imageId, category_id: categoryId, area, iscrowd } = ann;
    if (!finiteNumber(id)) throw new CocoInputError(source, entry, `id must be a number, got ${describeValue(id)}`);
    entry = `${entry} (id ${id})`;
    const previous = seenIds.get(id);
    if (previous !== undefined) throw new CocoInputError(source, entry, `duplicate annotation id (also annotations[${previous}])`);
    seenIds.set(id, index);
    if (!finiteNumber(imageId)) throw new CocoInputError(source, entry, `image_id must be a number, got ${describeValue(imageId)}`);
    if (!finiteNumber(categoryId)) throw new CocoInputError(source, entry, `category_id must be a number, got ${describeValue(categoryId)}`);
    if (!finiteNumber(area)) throw new CocoInputError(source, entry, `area must be a finite number, got ${describeValue(area)}`);
    if (area < 0) throw new CocoInputError(source, entry, `area must not be negative, got ${area}`);
    let crowd = 0;
    if (typeof iscrowd === 'boolean') crowd = iscrowd ? 1 : 0;
    else if (finiteNumber(iscrowd)) crowd = iscrowd;
    else if (iscrowd !== undefined && iscrowd !== null) {
      throw new CocoInputError(source, entry, `iscrowd must be 0 or 1, got ${describeValue(iscrowd)}`);
    }
    if (!images.has(imageId)) unknownImage++;
    if (!categories.has(categoryId)) unknownCategory++;
    annotations.push({ index, id, imageId, categoryId, area, iscrowd: crowd, raw: ann });
  });
  if (unknownImage > 0) warnings.push(`${unknownImage} annotation(s) refer to image ids not listed in "images" and are not evaluated`);
  if (unknownCategory > 0) {
    warnings.push(`${unknownCategory} annotation(s) refer to category ids not listed in "categories" and are not evaluated`);
  }
  return annotations;
}
