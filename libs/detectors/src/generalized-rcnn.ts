import * as tf from '@tensorflow/tfjs-core';
import { Module, Rng } from '@kestrel/runtime';
import { loadTorchvisionResNet, ResNet, type TorchvisionImportReport } from '@kestrel/backbones';
import { FPN } from '@kestrel/necks';
import { RPN, StandardROIHeads, type FeatureMaps, type ImageSize, type ImageTargets } from '@kestrel/heads';
import type { ModelConfig } from './config/model-config';
import { detectorPostprocess, type Detections } from './postprocess';

/**
 * What a detector consumes: `Batch` from `@kestrel/coco-data` is one. Images are normalised and
 * zero padded NHWC; sizes are per image before padding.
 */
export interface DetectorInput {
  images: tf.Tensor4D;
  /** [height, width] of each image as the model sees it, before padding. */
  imageSizes: readonly ImageSize[];
  /** [height, width] of each original image; eval results are scaled to it. Default imageSizes. */
  originalSizes?: readonly ImageSize[];
  /** Ground truth in the model's image coordinates (training only). */
  targets?: readonly ImageTargets[];
}

/** Training losses by detectron2's names; the caller owns the scalars. */
export type DetectorLosses = {
  loss_rpn_cls: tf.Scalar;
  loss_rpn_loc: tf.Scalar;
  loss_cls: tf.Scalar;
  loss_box_reg: tf.Scalar;
  loss_mask?: tf.Scalar;
};

export interface DetectorOptions {
  /** Initialisation and sampling randomness. Default seed 0. */
  rng?: Rng;
}

/**
 * detectron2's GeneralizedRCNN with an FPN: backbone → FPN → RPN proposals → RoI heads.
 * `forward` returns the named losses in training mode and per-image detections (original image
 * coordinates) after `eval()`.
 */
export class GeneralizedRCNN extends Module {
  readonly config: ModelConfig;
  readonly backbone: ResNet;
  readonly neck: FPN;
  readonly proposalGenerator: RPN;
  readonly roiHeads: StandardROIHeads;

  constructor(config: ModelConfig, options: DetectorOptions = {}) {
    super();
    this.config = config;
    const rng = options.rng ?? new Rng(0);
    const { backbone: b, fpn: f, rpn, roiHeads, boxHead, maskHead } = config;
    this.backbone = this.registerModule(
      'backbone',
      new ResNet({ depth: b.depth, width: b.width, norm: b.norm, freezeAt: b.freezeAt, strideInOneByOne: b.strideInOneByOne, outFeatures: [...f.inFeatures], rng: rng.fork('backbone') }),
    );
    this.neck = this.registerModule(
      'neck',
      new FPN({ inputShapes: this.backbone.featureShapes, inFeatures: f.inFeatures, outChannels: f.outChannels, norm: f.norm, topBlock: f.topBlock, rng: rng.fork('neck') }),
    );
    this.proposalGenerator = this.registerModule('proposal_generator', new RPN({ ...rpn, inputShapes: this.neck.outputShapes, rng: rng.fork('proposal_generator') }));
    this.roiHeads = this.registerModule(
      'roi_heads',
      new StandardROIHeads({ ...roiHeads, numClasses: config.numClasses, inputShapes: this.neck.outputShapes, boxHead, maskHead, rng: rng.fork('roi_heads') }),
    );
  }

  /** Loads torchvision-layout ResNet weights into the backbone (`backbone.pretrained` in configs). */
  loadPretrainedBackbone(file: string): Promise<TorchvisionImportReport> {
    return loadTorchvisionResNet(this.backbone, file);
  }

  forward(input: DetectorInput): DetectorLosses | Detections[] {
    return this.training ? this.losses(input) : this.inference(input);
  }

  /** Training: the losses of one batch (call inside tf.variableGrads / optimizer.minimize). */
  losses(input: DetectorInput): DetectorLosses {
    const { targets } = input;
    if (!this.training) throw new Error(`${this.constructor.name}: losses() needs training mode (call train())`);
    if (!targets || targets.length !== input.imageSizes.length) throw new Error(`${this.constructor.name}: training needs targets for every image`);
    const features = this.features(input.images);
    try {
      const { proposals, losses: proposalLosses } = this.proposalGenerator.forward(features, input.imageSizes, targets);
      const detectorLosses = this.roiHeads.losses(features, proposals.map((p) => p.boxes), targets);
      return { ...proposalLosses!, ...detectorLosses };
    } finally {
      tf.dispose(Object.values(features));
    }
  }

  /** Inference: per image, boxes / scores / labels (and masks) in original image coordinates. */
  inference(input: DetectorInput): Detections[] {
    const features = this.features(input.images);
    try {
      const { proposals } = this.proposalGenerator.forward(features, input.imageSizes);
      const detections = this.roiHeads.inference(features, proposals.map((p) => p.boxes), input.imageSizes);
      const outputSizes = input.originalSizes ?? input.imageSizes;
      return detections.map((d, i) => detectorPostprocess(d, input.imageSizes[i]!, outputSizes[i]!));
    } finally {
      tf.dispose(Object.values(features));
    }
  }

  /** Backbone and FPN: the pyramid levels by name (the caller disposes them). */
  features(images: tf.Tensor4D): FeatureMaps {
    return tf.tidy(() => this.neck.forward(this.backbone.forward(images) as Record<string, tf.Tensor4D>));
  }
}

/** Faster R-CNN (Ren et al. 2015) with FPN: a GeneralizedRCNN without a mask head. */
export class FasterRCNN extends GeneralizedRCNN {
  constructor(config: ModelConfig, options: DetectorOptions = {}) {
    if (config.maskHead !== null) throw new Error('FasterRCNN: the config has a mask head; use MaskRCNN (architecture "mask_rcnn")');
    super(config, options);
  }
}

/** Mask R-CNN (He et al. 2017) with FPN: Faster R-CNN plus the mask head; `loss_mask` and `masks`. */
export class MaskRCNN extends GeneralizedRCNN {
  constructor(config: ModelConfig, options: DetectorOptions = {}) {
    if (config.maskHead === null) throw new Error('MaskRCNN: the config has no mask head (architecture "faster_rcnn")');
    super(config, options);
  }
}
