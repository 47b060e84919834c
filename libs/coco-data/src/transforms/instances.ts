import type { ImageRecord } from '../coco/records';
import { isRle, type Segmentation } from '../coco/types';
import { flipBitmap, resizeBitmapNearest, type Bitmap } from '../mask/bitmap';
import { polygonsToBitmap } from '../mask/polygon';
import { decodeRle } from '../mask/rle';
import type { AugmentationPlan } from './augment';
import { clipBox, flipBox, flipPolygon, scaleBox, scalePolygon } from './geometry';

/** An instance mask in the transformed image's coordinates. */
export type InstanceMask =
  /** Polygons stay exact through resizing and flipping (detectron2 `PolygonMasks`). */
  | { kind: 'polygons'; polygons: number[][] }
  /** RLE masks are decoded, then resized with nearest neighbour (detectron2 `BitMasks`). */
  | { kind: 'bitmap'; bitmap: Bitmap };

/** Ground truth of one transformed image. Index i of every field describes the same object. */
export interface InstanceTargets {
  /** [n × 4] boxes x1, y1, x2, y2, clipped to the image. */
  boxes: Float32Array;
  /** [n] contiguous labels. */
  labels: Int32Array;
  categoryIds: number[];
  annotationIds: number[];
  /** Per instance, or null when the annotation has no mask. */
  masks: (InstanceMask | null)[];
  /** [m × 4] crowd (ignore) regions, x1, y1, x2, y2. */
  crowdBoxes: Float32Array;
}

/** detectron2's `filter_empty_instances` threshold on box sides after transforms. */
const MIN_BOX_SIDE = 1e-5;

function transformMask(segmentation: Segmentation, plan: AugmentationPlan, sx: number, sy: number): InstanceMask {
  if (isRle(segmentation)) {
    let bitmap = decodeRle(segmentation);
    if (plan.height !== plan.sourceHeight || plan.width !== plan.sourceWidth) {
      bitmap = resizeBitmapNearest(bitmap, plan.height, plan.width);
    }
    return { kind: 'bitmap', bitmap: plan.flip ? flipBitmap(bitmap) : bitmap };
  }
  const polygons = segmentation.map((p) => {
    const scaled = scalePolygon(p, sx, sy);
    return plan.flip ? flipPolygon(scaled, plan.width) : scaled;
  });
  return { kind: 'polygons', polygons };
}

/**
 * Applies a plan (resize, then optional flip) to an image's annotations: boxes scaled, flipped
 * and clipped; polygons scaled and flipped; RLE masks decoded, resized and flipped. Instances
 * whose box becomes empty are dropped.
 */
export function transformInstances(record: ImageRecord, plan: AugmentationPlan): InstanceTargets {
  const sx = plan.width / plan.sourceWidth;
  const sy = plan.height / plan.sourceHeight;
  const place = (box: readonly number[]): number[] => {
    const scaled = scaleBox(box, sx, sy);
    return clipBox(plan.flip ? flipBox(scaled, plan.width) : scaled, plan.height, plan.width);
  };

  const boxes: number[] = [];
  const labels: number[] = [];
  const categoryIds: number[] = [];
  const annotationIds: number[] = [];
  const masks: (InstanceMask | null)[] = [];
  for (const instance of record.instances) {
    const box = place(instance.box);
    if (!((box[2] as number) - (box[0] as number) > MIN_BOX_SIDE && (box[3] as number) - (box[1] as number) > MIN_BOX_SIDE)) continue;
    boxes.push(...box);
    labels.push(instance.label);
    categoryIds.push(instance.categoryId);
    annotationIds.push(instance.annotationId);
    masks.push(instance.segmentation ? transformMask(instance.segmentation, plan, sx, sy) : null);
  }
  const crowdBoxes: number[] = [];
  for (const crowd of record.crowds) crowdBoxes.push(...place(crowd.box));
  return {
    boxes: Float32Array.from(boxes),
    labels: Int32Array.from(labels),
    categoryIds,
    annotationIds,
    masks,
    crowdBoxes: Float32Array.from(crowdBoxes),
  };
}

/** Full-image bitmap of a transformed instance mask. */
export function instanceMaskToBitmap(mask: InstanceMask, height: number, width: number): Bitmap {
  if (mask.kind === 'polygons') return polygonsToBitmap(mask.polygons, height, width);
  if (mask.bitmap.height !== height || mask.bitmap.width !== width) {
    throw new Error(`mask is ${mask.bitmap.height}×${mask.bitmap.width}, expected ${height}×${width}`);
  }
  return mask.bitmap;
}
