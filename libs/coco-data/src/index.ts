// @kestrel/coco-data: COCO instances for Faster/Mask R-CNN training — loading and validation,
// sharp decoding, detectron2-style transforms, batching, a resumable prefetching loader,
// visualisation, and the built-in synthetic shapes dataset.

export { CocoFormatError, ImageLoadError, formatIssue, type CocoIssue } from './errors';

export type { BoxXYXY, CocoAnnotation, CocoCategory, CocoDataset, CocoImage, Polygon, RleObject, Segmentation } from './coco/types';
export { isRle } from './coco/types';
export { validateCocoDataset, type ValidateOptions, type ValidationReport } from './coco/validate';
export { loadCocoInstances, parseCocoInstances, type CocoInstances } from './coco/load';
export { CategoryMap } from './coco/categories';
export { buildImageRecords, type CrowdRegion, type ImageRecord, type ImageRecordOptions, type InstanceRecord } from './coco/records';

export { bitmapBox, countPixels, emptyBitmap, flipBitmap, resizeBitmapNearest, type Bitmap } from './mask/bitmap';
export { decodeRle, encodeRle, rleArea, rleCounts, rleCountsFromString, rleCountsToString } from './mask/rle';
export { polygonArea, polygonToRleCounts, polygonsToBitmap, segmentationToBitmap } from './mask/polygon';
export { cropAndResizeBitmap, maskTargets, rasterizePolygonsWithinBox, type MaskTargetOptions } from './mask/mask-targets';

export { flipImage, type RgbImage } from './image/rgb-image';
export { resolveImagePath } from './image/safe-path';
export {
  DEFAULT_LIMIT_INPUT_PIXELS,
  decodeImage,
  decodeImageFile,
  type DecodeRequest,
  type ImageDecodeOptions,
} from './image/decode';

export { pickShortEdge, resizeShape, type ResizeOptions } from './transforms/resize';
export { clipBox, flipBox, flipPolygon, flipRle, scaleBox, scalePolygon } from './transforms/geometry';
export {
  DETECTRON2_TEST_AUGMENTATION,
  DETECTRON2_TRAIN_AUGMENTATION,
  planAugmentation,
  type AugmentationOptions,
  type AugmentationPlan,
} from './transforms/augment';
export { instanceMaskToBitmap, transformInstances, type InstanceMask, type InstanceTargets } from './transforms/instances';
export {
  MSRA_CAFFE_NORMALIZATION,
  TORCHVISION_NORMALIZATION,
  denormalizeToRgb,
  normalizeInto,
  type PixelNormalization,
} from './transforms/normalize';
export { collateSamples, hostBatchToBatch, padTo, type Batch, type CollateOptions, type HostBatch, type Sample } from './transforms/batch';

export { BatchPlanner, type LoaderState, type PlannedItem, type PlannerOptions } from './loader/batch-planner';
export { loadSample } from './loader/sample';
export { CocoLoader, type CocoLoaderOptions } from './loader/loader';

export {
  drawInstances,
  drawText,
  encodePng,
  paletteColor,
  targetsToDrawItems,
  writePng,
  type DrawItem,
  type DrawOptions,
  type Rgb,
} from './visualize/draw';

export {
  DEFAULT_SHAPES_OPTIONS,
  SHAPES_GENERATOR_VERSION,
  ensureShapesDataset,
  generateShapesDataset,
  renderShapesImage,
  resolveShapesOptions,
  shapesCacheKey,
  shapesPaths,
  type GenerateProgress,
  type ShapesDatasetOptions,
  type ShapesDatasetPaths,
  type ShapesSplitPaths,
} from './synthetic/generate';
export { SHAPE_CATEGORIES, type ShapeName } from './synthetic/shapes';
export type { Scene, SceneAnnotation } from './synthetic/scene';
