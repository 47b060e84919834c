import type { CocoInstances } from './load';
import type { BoxXYXY, Segmentation } from './types';

/** One object to detect, in the original image's pixel coordinates. */
export interface InstanceRecord {
  annotationId: number;
  categoryId: number;
  /** Contiguous label (see {@link CategoryMap}). */
  label: number;
  box: BoxXYXY;
  /** The annotation's `area`, or the box area when the file has none. */
  area: number;
  /** Polygons or RLE; null when the annotation has no (usable) mask. */
  segmentation: Segmentation | null;
}

/** An `iscrowd` region: not a training target, but anchors/proposals on it are ignored. */
export interface CrowdRegion {
  annotationId: number;
  categoryId: number;
  label: number;
  box: BoxXYXY;
  segmentation: Segmentation | null;
}

export interface ImageRecord {
  imageId: number;
  /** Relative to the images root. */
  fileName: string;
  /** Size from the JSON, after EXIF orientation (as COCO defines it). */
  width: number;
  height: number;
  instances: InstanceRecord[];
  crowds: CrowdRegion[];
}

export interface ImageRecordOptions {
  /**
   * Drop images without a non-crowd annotation, as detectron2 does for training
   * (`filter_images_with_only_crowd_annotations`). Default true; use false for evaluation.
   */
  skipImagesWithoutAnnotations?: boolean;
}

/** Per-image records in ascending image id order. */
export function buildImageRecords(instances: CocoInstances, options: ImageRecordOptions = {}): ImageRecord[] {
  const skipEmpty = options.skipImagesWithoutAnnotations ?? true;
  const byImage = new Map<number, ImageRecord>();
  const images = [...instances.dataset.images].sort((a, b) => a.id - b.id);
  for (const image of images) {
    byImage.set(image.id, {
      imageId: image.id,
      fileName: image.file_name,
      width: image.width,
      height: image.height,
      instances: [],
      crowds: [],
    });
  }
  for (const ann of instances.dataset.annotations) {
    const record = byImage.get(ann.image_id);
    if (!record) continue; // validation guarantees this does not happen
    const [x, y, w, h] = ann.bbox;
    const box: BoxXYXY = [x, y, x + w, y + h];
    const label = instances.categories.labelOf(ann.category_id);
    const segmentation = ann.segmentation ?? null;
    if (ann.iscrowd === 1) {
      record.crowds.push({ annotationId: ann.id, categoryId: ann.category_id, label, box, segmentation });
    } else {
      record.instances.push({
        annotationId: ann.id,
        categoryId: ann.category_id,
        label,
        box,
        area: ann.area ?? w * h,
        segmentation,
      });
    }
  }
  const records = [...byImage.values()];
  return skipEmpty ? records.filter((r) => r.instances.length > 0) : records;
}
