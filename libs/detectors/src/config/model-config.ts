import type { NormSpec } from '@kestrel/norm';
import type { BoxCoderWeights } from '@kestrel/ops';
import { RPN_DEFAULTS } from '@kestrel/heads';
import { arrayOf, boolean, integer, norm, nullable, number, object, oneOf, string, type Schema } from './schema';

export type Architecture = 'faster_rcnn' | 'mask_rcnn';
export type BackboneStage = 'res2' | 'res3' | 'res4' | 'res5';

/**
 * A detector's model configuration, fully resolved (every key present). JSON files give any
 * subset; `loadModelConfig` fills the rest from {@link MODEL_CONFIG_DEFAULTS} (detectron2's
 * Base-RCNN-FPN values). Keys mirror the option objects of the libraries that use them.
 */
export interface ModelConfig {
  architecture: Architecture;
  /** Object classes, without background (COCO: 80). */
  numClasses: number;
  input: InputConfig;
  backbone: BackboneConfig;
  fpn: FpnConfig;
  rpn: RpnConfig;
  roiHeads: RoiHeadsConfig;
  boxHead: BoxHeadConfig;
  /** Present exactly for mask_rcnn. */
  maskHead: MaskHeadConfig | null;
}

/** How images are prepared for this model (what the pretrained weights expect, and sizes). */
export interface InputConfig {
  /** torchvision: RGB, 0–1 mean/std; msra-caffe: BGR, mean only (detectron2's MSRA weights). */
  normalization: 'torchvision' | 'msra-caffe';
  train: { shortEdge: number[]; maxSize: number; flipProbability: number };
  test: { shortEdge: number; maxSize: number };
  /** Pad images to a multiple of this (the coarsest FPN input stride). */
  sizeDivisibility: number;
}

export interface BackboneConfig {
  type: 'resnet';
  depth: 18 | 34 | 50 | 101;
  /** Channel multiplier (0.5 halves every width). Pretrained weights need 1. */
  width: number;
  norm: NormSpec;
  /** detectron2 FREEZE_AT: 0 trains everything, 2 freezes the stem and res2. */
  freezeAt: number;
  strideInOneByOne: boolean;
  /** A torchvision-layout safetensors file (relative to the working directory), or null. */
  pretrained: string | null;
}

export interface FpnConfig {
  inFeatures: BackboneStage[];
  outChannels: number;
  norm: NormSpec;
  topBlock: 'max-pool' | 'none';
}

export interface RpnConfig {
  inFeatures: string[];
  anchorSizes: number[][];
  aspectRatios: number[];
  anchorOffset: number;
  iouThresholds: [number, number];
  batchSizePerImage: number;
  positiveFraction: number;
  boxWeights: BoxCoderWeights;
  smoothL1Beta: number;
  preNmsTopKTrain: number;
  preNmsTopKTest: number;
  postNmsTopKTrain: number;
  postNmsTopKTest: number;
  nmsThreshold: number;
  minBoxSize: number;
  crowdIgnoreIoF: number | null;
}

export interface RoiHeadsConfig {
  inFeatures: string[];
  batchSizePerImage: number;
  positiveFraction: number;
  iouThreshold: number;
  proposalAppendGt: boolean;
  crowdIgnoreIoF: number | null;
  scoreThreshold: number;
  nmsThreshold: number;
  detectionsPerImage: number;
}

export interface BoxHeadConfig {
  numConvs: number;
  convDim: number;
  numFcs: number;
  fcDim: number;
  /** Norm after each conv of the box head. */
  norm: NormSpec;
  /** Norm after each FC of the box head. */
  fcNorm: NormSpec;
  poolerResolution: number;
  samplingRatio: number;
  aligned: boolean;
  boxWeights: BoxCoderWeights;
  smoothL1Beta: number;
  clsAgnosticBboxReg: boolean;
}

export interface MaskHeadConfig {
  numConvs: number;
  convDim: number;
  norm: NormSpec;
  clsAgnostic: boolean;
  poolerResolution: number;
  samplingRatio: number;
  aligned: boolean;
  /** Foreground RoIs per image the mask head trains on; null: all (detectron2). */
  maxPositivesPerImage: number | null;
}

/** Partial config as written in files (any subset of keys, any depth). */
export type ModelConfigInput = DeepPartial<Omit<ModelConfig, 'maskHead'>> & { maskHead?: DeepPartial<MaskHeadConfig> | null };
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** detectron2's defaults (config/defaults.py + Base-RCNN-FPN.yaml), torchvision-layout weights. */
export const MODEL_CONFIG_DEFAULTS: Readonly<Omit<ModelConfig, 'maskHead'>> = {
  architecture: 'faster_rcnn',
  numClasses: 80,
  input: {
    normalization: 'torchvision',
    train: { shortEdge: [640, 672, 704, 736, 768, 800], maxSize: 1333, flipProbability: 0.5 },
    test: { shortEdge: 800, maxSize: 1333 },
    sizeDivisibility: 32,
  },
  backbone: { type: 'resnet', depth: 50, width: 1, norm: 'frozen-bn', freezeAt: 2, strideInOneByOne: false, pretrained: null },
  fpn: { inFeatures: ['res2', 'res3', 'res4', 'res5'], outChannels: 256, norm: 'none', topBlock: 'max-pool' },
  // The RPN's own defaults (detectron2's), copied so config objects stay mutable plain data.
  rpn: structuredClone(RPN_DEFAULTS) as unknown as RpnConfig,
  roiHeads: {
    inFeatures: ['p2', 'p3', 'p4', 'p5'],
    batchSizePerImage: 512,
    positiveFraction: 0.25,
    iouThreshold: 0.5,
    proposalAppendGt: true,
    crowdIgnoreIoF: 0.5,
    scoreThreshold: 0.05,
    nmsThreshold: 0.5,
    detectionsPerImage: 100,
  },
  boxHead: {
    numConvs: 0,
    convDim: 256,
    numFcs: 2,
    fcDim: 1024,
    norm: 'none',
    fcNorm: 'none',
    poolerResolution: 7,
    samplingRatio: 0,
    aligned: true,
    boxWeights: [10, 10, 5, 5],
    smoothL1Beta: 0,
    clsAgnosticBboxReg: false,
  },
};

/** The mask head of a mask_rcnn config whose file gives no (or only some) mask head keys. */
export const MASK_HEAD_CONFIG_DEFAULTS: Readonly<MaskHeadConfig> = {
  numConvs: 4,
  convDim: 256,
  norm: 'none',
  clsAgnostic: false,
  poolerResolution: 14,
  samplingRatio: 0,
  aligned: true,
  maxPositivesPerImage: null,
};

const probability = number(0, 1);
const positive = integer(1);
const boxWeights = arrayOf(number(0, undefined, true), { length: 4 });
const featureNames = arrayOf(string, { minLength: 1 });

/** What every key of a model config may hold. */
export const MODEL_CONFIG_SCHEMA: Schema = object({
  architecture: oneOf('faster_rcnn', 'mask_rcnn'),
  numClasses: positive,
  input: object({
    normalization: oneOf('torchvision', 'msra-caffe'),
    train: object({ shortEdge: arrayOf(positive, { minLength: 1 }), maxSize: positive, flipProbability: probability }),
    test: object({ shortEdge: positive, maxSize: positive }),
    sizeDivisibility: positive,
  }),
  backbone: object({
    type: oneOf('resnet'),
    depth: oneOf(18, 34, 50, 101),
    width: number(0, undefined, true),
    norm,
    freezeAt: integer(0, 5),
    strideInOneByOne: boolean,
    pretrained: nullable(string),
  }),
  fpn: object({
    inFeatures: arrayOf(oneOf('res2', 'res3', 'res4', 'res5'), { minLength: 1 }),
    outChannels: positive,
    norm,
    topBlock: oneOf('max-pool', 'none'),
  }),
  rpn: object({
    inFeatures: featureNames,
    anchorSizes: arrayOf(arrayOf(number(0, undefined, true), { minLength: 1 }), { minLength: 1 }),
    aspectRatios: arrayOf(number(0, undefined, true), { minLength: 1 }),
    anchorOffset: number(0, 1),
    iouThresholds: arrayOf(probability, { length: 2 }),
    batchSizePerImage: positive,
    positiveFraction: probability,
    boxWeights,
    smoothL1Beta: number(0),
    preNmsTopKTrain: positive,
    preNmsTopKTest: positive,
    postNmsTopKTrain: positive,
    postNmsTopKTest: positive,
    nmsThreshold: probability,
    minBoxSize: number(0),
    crowdIgnoreIoF: nullable(probability),
  }),
  roiHeads: object({
    inFeatures: featureNames,
    batchSizePerImage: positive,
    positiveFraction: probability,
    iouThreshold: probability,
    proposalAppendGt: boolean,
    crowdIgnoreIoF: nullable(probability),
    scoreThreshold: probability,
    nmsThreshold: probability,
    detectionsPerImage: positive,
  }),
  boxHead: object({
    numConvs: integer(0),
    convDim: positive,
    numFcs: integer(0),
    fcDim: positive,
    norm,
    fcNorm: norm,
    poolerResolution: positive,
    samplingRatio: integer(0),
    aligned: boolean,
    boxWeights,
    smoothL1Beta: number(0),
    clsAgnosticBboxReg: boolean,
  }),
  maskHead: nullable(
    object({
      numConvs: integer(0),
      convDim: positive,
      norm,
      clsAgnostic: boolean,
      poolerResolution: positive,
      samplingRatio: integer(0),
      aligned: boolean,
      maxPositivesPerImage: nullable(positive),
    }),
  ),
});
