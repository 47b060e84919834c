/** Validated segmentations (polygons or RLE) and their conversion to RLE, as pycocotools annToRLE. */
import { CocoInputError, describeValue } from './errors';
import { MAX_POLYGON_COORDINATE, polygonToRle } from './polygon';
import { mergeRles, rleFromJson, type Rle } from './rle';

export type Segmentation =
  | { readonly kind: 'polygon'; readonly rings: readonly Float64Array[] }
  | { readonly kind: 'rle'; readonly rle: Rle };

/**
 * Validates a COCO segmentation: a list of polygon rings [x0, y0, x1, y1, …] or an RLE object.
 *
 * Kestrel deliberately rejects rings of fewer than 3 points. pycocotools reads a list whose first
 * ring has exactly 4 numbers as a list of boxes (frPyObjects) and then crashes in 2.0.11; shorter
 * rings elsewhere rasterise to slivers. Both are annotation errors, so Kestrel reports them.
 */
export function parseSegmentation(value: unknown, source: string, entry: string): Segmentation {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new CocoInputError(source, entry, 'segmentation is an empty list of polygons');
    if (value.every((v) => typeof v === 'number')) {
      throw new CocoInputError(
        source,
        entry,
        'segmentation is a flat list of numbers; polygons must be nested: [[x0, y0, x1, y1, …], …]',
      );
    }
    const rings = value.map((ring: unknown, i) => parseRing(ring, source, `${entry}: segmentation[${i}]`));
    return { kind: 'polygon', rings };
  }
  if (typeof value === 'object' && value !== null && 'counts' in value && 'size' in value) {
    return { kind: 'rle', rle: rleFromJson(value, source, entry) };
  }
  throw new CocoInputError(
    source,
    entry,
    `segmentation must be a list of polygons or an RLE object {size, counts}, got ${describeValue(value)}`,
  );
}

function parseRing(ring: unknown, source: string, entry: string): Float64Array {
  if (!Array.isArray(ring)) throw new CocoInputError(source, entry, `polygon must be a list of numbers, got ${describeValue(ring)}`);
  if (ring.length === 4) {
    throw new CocoInputError(
      source,
      entry,
      'polygon ring has only 2 points (4 numbers); rings need at least 3 points. ' +
        '(pycocotools would misread this as a box [x, y, w, h].)',
    );
  }
  if (ring.length < 6) {
    throw new CocoInputError(source, entry, `polygon ring has ${ring.length} numbers; rings need at least 3 points (6 numbers)`);
  }
  if (ring.length % 2 !== 0) throw new CocoInputError(source, entry, `polygon ring has an odd number of coordinates (${ring.length})`);
  const out = new Float64Array(ring.length);
  for (let i = 0; i < ring.length; i++) {
    const v: unknown = ring[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new CocoInputError(source, entry, `polygon coordinate [${i}] must be a finite number, got ${describeValue(v)}`);
    }
    if (Math.abs(v) > MAX_POLYGON_COORDINATE) {
      throw new CocoInputError(source, entry, `polygon coordinate [${i}] = ${v} is out of range (|v| ≤ ${MAX_POLYGON_COORDINATE})`);
    }
    out[i] = v;
  }
  return out;
}

/** pycocotools annToRLE: polygons are rasterised on the image and merged; RLEs are used as given. */
export function segmentationToRle(segmentation: Segmentation, imageHeight: number, imageWidth: number): Rle {
  if (segmentation.kind === 'rle') return segmentation.rle;
  return mergeRles(segmentation.rings.map((ring) => polygonToRle(ring, imageHeight, imageWidth)));
}
