// @kestrel/detectors: Faster R-CNN and Mask R-CNN (detectron2's GeneralizedRCNN with FPN),
// built from typed model configs with per-part norms, and the config loader.
import '@kestrel/runtime';

export {
  FasterRCNN,
  GeneralizedRCNN,
  MaskRCNN,
  type DetectorInput,
  type DetectorLosses,
  type DetectorOptions,
} from './generalized-rcnn';
export { detectorPostprocess, type Detections } from './postprocess';
export { buildDetector, createDetector } from './build';
export {
  MASK_HEAD_CONFIG_DEFAULTS,
  MODEL_CONFIG_DEFAULTS,
  MODEL_CONFIG_SCHEMA,
  type Architecture,
  type BackboneConfig,
  type BackboneStage,
  type BoxHeadConfig,
  type DeepPartial,
  type FpnConfig,
  type InputConfig,
  type MaskHeadConfig,
  type ModelConfig,
  type ModelConfigInput,
  type RoiHeadsConfig,
  type RpnConfig,
} from './config/model-config';
export {
  ModelConfigError,
  fpnOutputNames,
  loadModelConfig,
  readConfigTree,
  resolveModelConfig,
  type ConfigIssue,
  type ConfigTree,
} from './config/load';
export {
  arrayOf,
  boolean,
  describe as describeSchema,
  integer,
  norm as normSchema,
  nullable,
  number,
  object,
  oneOf,
  string,
  validate as validateSchema,
  type Schema,
  type SchemaIssue,
} from './config/schema';
