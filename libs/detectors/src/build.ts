import { resolve } from 'node:path';
import { FasterRCNN, MaskRCNN, type DetectorOptions, type GeneralizedRCNN } from './generalized-rcnn';
import { loadModelConfig } from './config/load';
import type { ModelConfig } from './config/model-config';

/** The detector class a config's `architecture` names, without pretrained weights. */
export function buildDetector(config: ModelConfig, options: DetectorOptions = {}): GeneralizedRCNN {
  return config.architecture === 'mask_rcnn' ? new MaskRCNN(config, options) : new FasterRCNN(config, options);
}

/**
 * Builds the detector and, when `backbone.pretrained` names a file, loads the torchvision ResNet
 * weights into the backbone (the path is resolved against `baseDir`, default the working
 * directory). Accepts a config object or a config file.
 */
export async function createDetector(config: ModelConfig | string, options: DetectorOptions & { baseDir?: string } = {}): Promise<GeneralizedRCNN> {
  const resolved = typeof config === 'string' ? loadModelConfig(config) : config;
  const model = buildDetector(resolved, options);
  try {
    if (resolved.backbone.pretrained !== null) await model.loadPretrainedBackbone(resolve(options.baseDir ?? process.cwd(), resolved.backbone.pretrained));
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
