// @kestrel/ops: detection building blocks with detectron2's conventions — boxes, box coder,
// anchors, matching and sampling, NMS, RoIAlign (trainable) and the FPN RoI pooler, losses,
// mask pasting. Importing @kestrel/runtime registers TF.js's op gradients before any op runs.
import '@kestrel/runtime';

export { boxValues, integerValues, numberValues, type BoxesLike, type NumbersLike } from './boxes/values';
export {
  boxArea,
  clipBoxes,
  cxcywhToXyxy,
  nonemptyBoxes,
  pairwiseIntersection,
  pairwiseIoU,
  scaleBoxes,
  xywhToXyxy,
  xyxyToCxcywh,
  xyxyToXywh,
} from './boxes/box-ops';
export {
  boxAreaArray,
  clipBoxesArray,
  nonemptyIndicesArray,
  pairwiseIoUArray,
  selectBoxesArray,
} from './boxes/box-arrays';
export {
  Box2BoxTransform,
  DEFAULT_SCALE_CLAMP,
  type Box2BoxTransformOptions,
  type BoxCoderWeights,
} from './boxes/box-coder';
export {
  DefaultAnchorGenerator,
  generateCellAnchors,
  type AnchorGeneratorOptions,
  type GridSize,
} from './anchors/anchor-generator';
export { Matcher, type MatchResult, type MatcherOptions, type QualityMatrix } from './matching/matcher';
export { subsampleLabels, type SampledIndices, type SubsampleOptions } from './matching/sampler';
export { argsortDescending, batchedNms, nms, scoreThresholdIndices, topKIndices } from './nms/nms';
export { roiAlign, type RoIAlignOptions } from './roi-align/roi-align';
export {
  ROIPooler,
  assignBoxesToLevels,
  type LevelAssignmentOptions,
  type ROIPoolerOptions,
} from './roi-align/roi-pooler';
export {
  l1Loss,
  sigmoidBinaryCrossEntropy,
  smoothL1Loss,
  softmaxCrossEntropy,
  type Reduction,
  type ReductionOptions,
  type SmoothL1Options,
} from './losses/losses';
export { pasteMasksInImage, type MaskValues, type PasteMasksOptions } from './masks/paste-masks';
