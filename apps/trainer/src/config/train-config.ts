/**
 * The training config: a model config (`model`, see @kestrel/detectors) plus the data, solver,
 * training-loop and output sections. Files extend each other (`extends`); absent keys take the
 * defaults below, which follow detectron2's `config/defaults.py` where it has one.
 */
import {
  arrayOf,
  boolean,
  integer,
  MODEL_CONFIG_SCHEMA,
  nullable,
  number,
  object,
  oneOf,
  string,
  type ModelConfig,
  type Schema,
} from '@kestrel/detectors';
import type { ShapesDatasetOptions } from '@kestrel/coco-data';

/** A COCO split on disk. Relative paths are relative to the working directory. */
export interface SplitPaths {
  annotations: string;
  images: string;
}

export interface DataConfig {
  /** `shapes`: the built-in synthetic dataset, generated on first use. `coco`: `train`/`val` files. */
  dataset: 'shapes' | 'coco';
  /** Options of the built-in dataset (see @kestrel/coco-data's `ensureShapesDataset`). */
  shapes: Required<ShapesDatasetOptions>;
  /** COCO training split (dataset `coco`). */
  train: SplitPaths | null;
  /** COCO validation split (dataset `coco`). */
  val: SplitPaths | null;
  /** Where the built-in dataset is cached. Default `.cache/kestrel`. */
  cacheDir: string;
  /** Batches decoded ahead of the training step. Default 2. */
  prefetch: number;
  /** Evaluate on the first N validation images only (null: all). Default null. */
  maxValImages: number | null;
}

export interface GradientClipConfig {
  /** Default false (detectron2). */
  enabled: boolean;
  /** `value`: clamp each element; `norm`: rescale each parameter's gradient to L2 norm <= value. */
  type: 'value' | 'norm';
  /** Default 1.0. */
  value: number;
}

export interface SolverConfig {
  /** Iterations to train. Default 90000 (detectron2 1x). */
  maxIter: number;
  /** Images per iteration (all on this device). Default 16. */
  imsPerBatch: number;
  /**
   * Learning rate at `referenceBatchSize` images per iteration; the run uses
   * baseLr × imsPerBatch / referenceBatchSize (linear scaling, Goyal et al.). Default 0.02 per 16.
   */
  baseLr: number;
  /** Default 16. */
  referenceBatchSize: number;
  /** Default 0.9. */
  momentum: number;
  /** Default 1e-4. */
  weightDecay: number;
  /** Weight decay of norm parameters (γ, β). Default 0 (detectron2's WEIGHT_DECAY_NORM). */
  weightDecayNorm: number;
  /** Default `multistep`. */
  policy: 'multistep' | 'cosine';
  /** Multistep: iterations where the rate is multiplied by `gamma`. Default [60000, 80000]. */
  steps: number[];
  /** Default 0.1. */
  gamma: number;
  /** Default 1000. */
  warmupIters: number;
  /** Default 0.001. */
  warmupFactor: number;
  /** Default `linear`. */
  warmupMethod: 'linear' | 'constant';
  clipGradients: GradientClipConfig;
}

export interface TrainLoopConfig {
  /** Seed of initialisation, sampling, shuffling and augmentation. Default 0. */
  seed: number;
  /** Save a checkpoint every N iterations (and always at the end). Default 5000. */
  checkpointPeriod: number;
  /** Evaluate every N iterations; 0 = only at the end. Default 0. */
  evalPeriod: number;
  /** Write a metrics record (losses averaged over the period) every N iterations. Default 20. */
  logPeriod: number;
  /** Periodic checkpoints kept (the final one is always kept). Default 3. */
  keepCheckpoints: number;
  /** TF.js backend: `auto` picks tfjs-node-gpu → tfjs-node → wasm → cpu. Default `auto`. */
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** wasm threads; null = one per core. Default null. */
  threads: number | null;
}

export interface OutputConfig {
  /** Folder holding run folders. Default `runs`. */
  runsDir: string;
  /** Run folder name under runsDir; null = the config file's name and the backbone norm. */
  name: string | null;
  /** Validation images drawn with their predictions at the end. Default 6. */
  overlays: number;
}

export interface TrainConfig {
  model: ModelConfig;
  data: DataConfig;
  solver: SolverConfig;
  train: TrainLoopConfig;
  output: OutputConfig;
}

/** Everything but `model` (whose defaults live in @kestrel/detectors). */
export type TrainSections = Omit<TrainConfig, 'model'>;

export const TRAIN_CONFIG_DEFAULTS: Readonly<TrainSections> = Object.freeze({
  data: {
    dataset: 'coco',
    shapes: { seed: 0, trainImages: 400, valImages: 100, imageSize: 256, minObjects: 1, maxObjects: 8, crowdProbability: 0.1 },
    train: null,
    val: null,
    cacheDir: '.cache/kestrel',
    prefetch: 2,
    maxValImages: null,
  },
  solver: {
    maxIter: 90000,
    imsPerBatch: 16,
    baseLr: 0.02,
    referenceBatchSize: 16,
    momentum: 0.9,
    weightDecay: 1e-4,
    weightDecayNorm: 0,
    policy: 'multistep',
    steps: [60000, 80000],
    gamma: 0.1,
    warmupIters: 1000,
    warmupFactor: 0.001,
    warmupMethod: 'linear',
    clipGradients: { enabled: false, type: 'value', value: 1 },
  },
  train: { seed: 0, checkpointPeriod: 5000, evalPeriod: 0, logPeriod: 20, keepCheckpoints: 3, backend: 'auto', threads: null },
  output: { runsDir: 'runs', name: null, overlays: 6 },
} satisfies TrainSections);

const positive = integer(1);
const split = nullable(object({ annotations: string, images: string }));

/** What every key of a training config file may hold. */
export const TRAIN_CONFIG_SCHEMA: Schema = object({
  extends: string,
  model: MODEL_CONFIG_SCHEMA,
  data: object({
    dataset: oneOf('shapes', 'coco'),
    shapes: object({
      seed: integer(0),
      trainImages: positive,
      valImages: positive,
      imageSize: integer(32, 4096),
      minObjects: integer(0),
      maxObjects: integer(0),
      crowdProbability: number(0, 1),
    }),
    train: split,
    val: split,
    cacheDir: string,
    prefetch: integer(0, 64),
    maxValImages: nullable(positive),
  }),
  solver: object({
    maxIter: positive,
    imsPerBatch: positive,
    baseLr: number(0, undefined, true),
    referenceBatchSize: positive,
    momentum: number(0, 1),
    weightDecay: number(0),
    weightDecayNorm: number(0),
    policy: oneOf('multistep', 'cosine'),
    steps: arrayOf(positive),
    gamma: number(0, 1, true),
    warmupIters: integer(0),
    warmupFactor: number(0, 1, true),
    warmupMethod: oneOf('linear', 'constant'),
    clipGradients: object({ enabled: boolean, type: oneOf('value', 'norm'), value: number(0, undefined, true) }),
  }),
  train: object({
    seed: integer(0),
    checkpointPeriod: positive,
    evalPeriod: integer(0),
    logPeriod: positive,
    keepCheckpoints: positive,
    backend: oneOf('auto', 'tensorflow', 'wasm', 'cpu'),
    threads: nullable(positive),
  }),
  output: object({ runsDir: string, name: nullable(string), overlays: integer(0, 100) }),
});

/** The learning rate the run uses at the top of its schedule (linear scaling rule). */
export function scaledLearningRate(solver: SolverConfig): number {
  return (solver.baseLr * solver.imsPerBatch) / solver.referenceBatchSize;
}
