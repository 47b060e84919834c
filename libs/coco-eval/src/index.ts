/**
 * @kestrel/coco-eval — COCO detection evaluation (bbox and segm) that gives pycocotools' numbers
 * bit for bit, in TypeScript, using typed arrays and worker threads.
 */
export { CocoInputError } from './errors';
export { readJsonFile } from './json-file';
export { linspace, pairwiseSum, npSum, npMean, meanAboveMinusOne, NUMPY_BUFSIZE } from './numpy';
export {
  encodeMask,
  decodeRle,
  rleToString,
  rleFromString,
  toCompressedRle,
  rleArea,
  rleToBbox,
  mergeRles,
  rleFromJson,
  type Rle,
  type CocoRleJson,
  type CompressedRle,
} from './rle';
export { polygonToRle, bboxToRle, MAX_POLYGON_COORDINATE } from './polygon';
export { boxIou, bboxIouMatrix, rleIou, type RleTable } from './iou';
export { parseSegmentation, segmentationToRle, type Segmentation } from './segmentation';
export {
  resolveParams,
  defaultIouThresholds,
  defaultRecallThresholds,
  DEFAULT_MAX_DETS,
  DEFAULT_AREA_RANGES,
  DEFAULT_AREA_LABELS,
  type EvalParams,
  type EvalParamsOptions,
  type IouType,
} from './params';
export { CocoGroundTruth, parseBbox, type GtAnnotation, type GtCategory, type GtImage } from './gt-index';
export { loadResults, type DetectionSet, type LoadResultsOptions, type ResultsBranch } from './load-results';
export { accumulateCategories, accumulateShape, type AccumulateShape } from './accumulate';
export { summarize, perCategoryMetrics, formatFixed, STAT_NAMES, type StatName, type Summary, type CategoryMetrics } from './summarize';
export {
  evaluateCoco,
  evaluateCocoSync,
  closeWorkerPool,
  prepareEvaluation,
  type EvaluateOptions,
  type CocoEvalResult,
  type PreparedEvaluation,
} from './coco-eval';
export { evaluateImage, type ImageEvaluation } from './image-evaluation';
export {
  toCocoResults,
  writeCocoResults,
  type CocoResult,
  type DetectionsWriterOptions,
  type ImageDetections,
  type ImageSize,
} from './detections-writer';
