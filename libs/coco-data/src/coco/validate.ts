import { CocoFormatError, describeValue, type CocoIssue } from '../errors';
import { rleCountsFromString } from '../mask/rle';
import type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage, Polygon, RleObject, Segmentation } from './types';

export interface ValidateOptions {
  /**
   * What to do with an annotation that is malformed (bad bbox, unknown category, bad
   * segmentation, …): `error` (default) throws a {@link CocoFormatError} listing every problem;
   * `skip` drops those annotations and reports them in `skipped`. Problems with images,
   * categories or the file's structure always throw.
   */
  onInvalidAnnotation?: 'error' | 'skip';
}

export interface ValidationReport {
  dataset: CocoDataset;
  /** Annotations dropped under `onInvalidAnnotation: 'skip'`, with the reason. */
  skipped: CocoIssue[];
  /**
   * Polygons with fewer than 3 points, dropped as detectron2 does; an annotation left with no
   * polygon keeps its box and has no mask.
   */
  droppedPolygons: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks a parsed COCO instances JSON and returns it typed. Every problem is collected and
 * reported at once, each naming the file, the image/annotation/category id, the field and
 * what was expected.
 */
export function validateCocoDataset(json: unknown, file: string, options: ValidateOptions = {}): ValidationReport {
  const fatal: CocoIssue[] = [];
  const issue = (where: string, field: string, expected: string, value?: unknown, hasValue = true): CocoIssue => ({
    file,
    where,
    field,
    expected,
    ...(hasValue ? { got: describeValue(value) } : {}),
  });

  if (!isObject(json)) {
    throw new CocoFormatError(file, [issue('top level', '(root)', 'a JSON object with images, annotations, categories', json)]);
  }
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(json[key])) fatal.push(issue('top level', key, `an array of ${key}`, json[key]));
  }
  if (fatal.length > 0) throw new CocoFormatError(file, fatal);

  const images = validateImages(json['images'] as unknown[], issue, fatal);
  const categories = validateCategories(json['categories'] as unknown[], issue, fatal);
  if (fatal.length > 0) throw new CocoFormatError(file, fatal);

  const annotationIssues: CocoIssue[] = [];
  const annotations: CocoAnnotation[] = [];
  const seenAnnotationIds = new Set<number>();
  let droppedPolygons = 0;
  (json['annotations'] as unknown[]).forEach((raw, index) => {
    const problems: CocoIssue[] = [];
    const result = validateAnnotation(raw, index, images, categories, seenAnnotationIds, issue, problems);
    if (problems.length > 0 || !result) annotationIssues.push(...problems);
    else {
      annotations.push(result.annotation);
      droppedPolygons += result.droppedPolygons;
    }
  });
  if (annotationIssues.length > 0 && (options.onInvalidAnnotation ?? 'error') === 'error') {
    throw new CocoFormatError(file, annotationIssues);
  }

  const dataset: CocoDataset = {
    ...(isObject(json['info']) ? { info: json['info'] } : {}),
    ...(Array.isArray(json['licenses']) ? { licenses: json['licenses'] } : {}),
    images: [...images.values()],
    annotations,
    categories: [...categories.values()],
  };
  return { dataset, skipped: annotationIssues, droppedPolygons };
}

type IssueFactory = (where: string, field: string, expected: string, value?: unknown, hasValue?: boolean) => CocoIssue;

function validateImages(raw: unknown[], issue: IssueFactory, out: CocoIssue[]): Map<number, CocoImage> {
  const images = new Map<number, CocoImage>();
  raw.forEach((image, index) => {
    if (!isObject(image)) {
      out.push(issue(`images[${index}]`, '(entry)', 'an image object', image));
      return;
    }
    if (!isId(image['id'])) {
      out.push(issue(`images[${index}]`, 'id', 'an integer image id', image['id']));
      return;
    }
    const id = image['id'];
    const where = `image ${id}`;
    const before = out.length;
    if (images.has(id)) out.push(issue(where, 'id', 'a unique image id (this id appears twice)', id));
    if (typeof image['file_name'] !== 'string' || image['file_name'].length === 0) {
      out.push(issue(where, 'file_name', 'a non-empty relative path string', image['file_name']));
    }
    for (const field of ['width', 'height'] as const) {
      if (!isPositiveInt(image[field])) out.push(issue(where, field, 'a positive integer number of pixels', image[field]));
    }
    if (out.length === before) images.set(id, image as CocoImage);
  });
  return images;
}

function validateCategories(raw: unknown[], issue: IssueFactory, out: CocoIssue[]): Map<number, CocoCategory> {
  const categories = new Map<number, CocoCategory>();
  const names = new Set<string>();
  if (raw.length === 0) out.push(issue('top level', 'categories', 'at least one category', raw));
  raw.forEach((category, index) => {
    if (!isObject(category) || !isId(category['id'])) {
      out.push(issue(`categories[${index}]`, 'id', 'a category object with an integer id', category));
      return;
    }
    const where = `category ${category['id']}`;
    if (categories.has(category['id'])) {
      out.push(issue(where, 'id', 'a unique category id (this id appears twice)', category['id']));
      return;
    }
    const name = category['name'];
    if (typeof name !== 'string' || name.length === 0) {
      out.push(issue(where, 'name', 'a non-empty category name', name));
      return;
    }
    if (names.has(name)) out.push(issue(where, 'name', 'a unique category name (this name appears twice)', name));
    names.add(name);
    categories.set(category['id'], category as CocoCategory);
  });
  return categories;
}

function validateAnnotation(
  raw: unknown,
  index: number,
  images: Map<number, CocoImage>,
  categories: Map<number, CocoCategory>,
  seenIds: Set<number>,
  issue: IssueFactory,
  out: CocoIssue[],
): { annotation: CocoAnnotation; droppedPolygons: number } | undefined {
  if (!isObject(raw) || !isId(raw['id'])) {
    out.push(issue(`annotations[${index}]`, 'id', 'an annotation object with an integer id', isObject(raw) ? raw['id'] : raw));
    return undefined;
  }
  const id = raw['id'];
  const imageId = raw['image_id'];
  const where = `annotation ${id}${isId(imageId) ? ` (image ${imageId})` : ''}`;
  if (seenIds.has(id)) out.push(issue(where, 'id', 'a unique annotation id (this id appears twice)', id));
  seenIds.add(id);

  const image = isId(imageId) ? images.get(imageId) : undefined;
  if (!image) out.push(issue(where, 'image_id', 'the id of an image listed in "images"', imageId));
  if (!isId(raw['category_id']) || !categories.has(raw['category_id'])) {
    out.push(issue(where, 'category_id', 'the id of a category listed in "categories"', raw['category_id']));
  }

  const bbox = raw['bbox'];
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(isFiniteNumber)) {
    out.push(issue(where, 'bbox', '4 finite numbers [x, y, width, height]', bbox));
  } else if (!(bbox[2] > 0 && bbox[3] > 0)) {
    out.push(issue(where, 'bbox', 'a positive width and height', bbox));
  }

  const iscrowd = raw['iscrowd'] ?? 0;
  if (iscrowd !== 0 && iscrowd !== 1) out.push(issue(where, 'iscrowd', '0 or 1', iscrowd));
  if (raw['area'] !== undefined && !(isFiniteNumber(raw['area']) && raw['area'] >= 0)) {
    out.push(issue(where, 'area', 'a finite number >= 0', raw['area']));
  }

  let droppedPolygons = 0;
  let segmentation: Segmentation | undefined;
  if (raw['segmentation'] !== undefined) {
    const checked = checkSegmentation(raw['segmentation'], where, image, issue, out);
    if (checked) {
      segmentation = checked.segmentation;
      droppedPolygons = checked.droppedPolygons;
    }
  }
  if (out.length > 0) return undefined;
  const annotation: CocoAnnotation = { ...(raw as unknown as CocoAnnotation), iscrowd: iscrowd as 0 | 1 };
  if (segmentation === undefined) delete annotation.segmentation;
  else annotation.segmentation = segmentation;
  return { annotation, droppedPolygons };
}

function checkSegmentation(
  value: unknown,
  where: string,
  image: CocoImage | undefined,
  issue: IssueFactory,
  out: CocoIssue[],
): { segmentation: Segmentation | undefined; droppedPolygons: number } | undefined {
  if (Array.isArray(value)) {
    const polygons: Polygon[] = [];
    let dropped = 0;
    for (let p = 0; p < value.length; p++) {
      const polygon: unknown = value[p];
      if (!Array.isArray(polygon) || !polygon.every(isFiniteNumber) || polygon.length % 2 !== 0) {
        out.push(issue(where, `segmentation[${p}]`, 'a polygon: an even-length list of finite numbers [x0, y0, x1, y1, …]', polygon));
        return undefined;
      }
      if (polygon.length < 6) dropped++;
      else polygons.push(polygon as Polygon);
    }
    return { segmentation: polygons.length > 0 ? polygons : undefined, droppedPolygons: dropped };
  }
  if (isObject(value) && 'counts' in value && 'size' in value) {
    const rle = checkRle(value, where, image, issue, out);
    return rle ? { segmentation: rle, droppedPolygons: 0 } : undefined;
  }
  out.push(
    issue(where, 'segmentation', 'a list of polygons [[x0, y0, …], …] or an RLE object {"size": [h, w], "counts": …}', value),
  );
  return undefined;
}

function checkRle(
  value: Record<string, unknown>,
  where: string,
  image: CocoImage | undefined,
  issue: IssueFactory,
  out: CocoIssue[],
): RleObject | undefined {
  const size = value['size'];
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isSafeInteger(v) && (v as number) >= 0)) {
    out.push(issue(where, 'segmentation.size', 'RLE size [height, width] as two non-negative integers', size));
    return undefined;
  }
  const [h, w] = size as [number, number];
  if (image && (h !== image.height || w !== image.width)) {
    out.push(issue(where, 'segmentation.size', `the image size [${image.height}, ${image.width}] ([height, width])`, size));
    return undefined;
  }
  const counts = value['counts'];
  if (typeof counts === 'string') {
    if (!/^[0-o]*$/.test(counts)) {
      out.push(issue(where, 'segmentation.counts', 'a compressed RLE string of characters "0"…"o"', counts));
      return undefined;
    }
    let total: number;
    try {
      total = rleCountsFromString(counts).reduce((a, b) => a + b, 0);
    } catch (error) {
      out.push(issue(where, 'segmentation.counts', 'a well-formed compressed RLE string', (error as Error).message));
      return undefined;
    }
    if (total !== h * w) {
      out.push(issue(where, 'segmentation.counts', `a compressed RLE string of runs summing to height × width = ${h * w}`, `runs summing to ${total}`));
      return undefined;
    }
  } else if (Array.isArray(counts)) {
    if (!counts.every((c) => Number.isSafeInteger(c) && (c as number) >= 0)) {
      out.push(issue(where, 'segmentation.counts', 'RLE run lengths as non-negative integers', counts));
      return undefined;
    }
    const total = (counts as number[]).reduce((a, b) => a + b, 0);
    if (total !== h * w) {
      out.push(issue(where, 'segmentation.counts', `run lengths summing to height × width = ${h * w}`, `runs summing to ${total}`));
      return undefined;
    }
  } else {
    out.push(issue(where, 'segmentation.counts', 'a list of run lengths or a compressed RLE string', counts));
    return undefined;
  }
  return { size: [h, w], counts: counts as number[] | string };
}
