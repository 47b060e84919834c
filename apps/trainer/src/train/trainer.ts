/**
 * The training loop, detectron2's `SimpleTrainer` + default hooks in one readable function:
 * build the detector, the SGD optimizer (no weight decay on norm parameters) and the data loader;
 * resume from the latest checkpoint if asked; then per iteration: next batch → losses → gradients
 * → optional clipping → SGD step at the scheduled LR; log, checkpoint and evaluate periodically;
 * at the end save `model_final`, evaluate and draw the results.
 */
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CocoLoader, type Batch } from '@kestrel/coco-data';
import { buildDetector, type DetectorLosses, type GeneralizedRCNN } from '@kestrel/detectors';
import { Progress, type Logger } from '@kestrel/logging';
import { Norm } from '@kestrel/norm';
import { clipGradients, learningRateAt, Rng, SGD, type LrScheduleOptions } from '@kestrel/runtime';
import type { LoadedTrainConfig } from '../config/load-config';
import { scaledLearningRate, type TrainConfig } from '../config/train-config';
import type { EvalRecord, LossValues, MetricsRecord, TrainRecord } from '../metrics';
import { latestTrainingCheckpoint, pruneCheckpoints, restoreTrainingState, saveTrainingState, type PeriodAccumulator, type TrainingStateMetadata } from './checkpointing';
import { prepareData, type RunData } from './datasets';
import { evaluateDetector, pixelNormalization, type EvaluationResult } from './evaluate';
import { prepareRunFolder, runPaths, truncateMetrics, writeJsonAtomic, type RunPaths } from './run-folder';

export interface TrainOptions {
  loaded: LoadedTrainConfig;
  /** Continue from the run folder's latest checkpoint. */
  resume?: boolean;
  /** Start again in a folder that holds a run. */
  overwrite?: boolean;
  /** The caller already ran `prepareRunFolder` (e.g. to open the log file in it). */
  folderReady?: boolean;
  logger: Logger;
  /** The command line, recorded in run.json. */
  argv?: readonly string[];
  /** Stop (after saving a checkpoint) when this returns true; checked after every iteration. */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  paths: RunPaths;
  /** Iterations finished (maxIter unless stopped). */
  iterations: number;
  /** Iterations run by this process (fewer than `iterations` after a resume). */
  iterationsThisRun: number;
  stopped: boolean;
  trainingSeconds: number;
  /** Training images per second of this process (a resumed run counts only its own segment). */
  imagesPerSecond: number;
  lastLosses: LossValues | undefined;
  finalCheckpoint: string | undefined;
  evaluation: EvaluationResult | undefined;
  data: RunData;
  model: GeneralizedRCNN;
}

/** A loss became NaN or infinite; the last good checkpoint is named in the message. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

const LOSS_ORDER: (keyof LossValues)[] = ['total_loss', 'loss_rpn_cls', 'loss_rpn_loc', 'loss_cls', 'loss_box_reg', 'loss_mask'];

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, runDir } = options.loaded;
  const { logger } = options;
  const paths = runPaths(runDir);
  if (!options.folderReady) await prepareRunFolder(paths, { resume: options.resume ?? false, overwrite: options.overwrite ?? false });
  writeJsonAtomic(paths.config, { $files: options.loaded.files, ...config });

  // The model first: norm option values are checked when norms are built, before any data work.
  const model = buildDetector(config.model, { rng: new Rng(config.train.seed) });
  const data = await prepareData(config.data, config.model.numClasses, logger);
  writeJsonAtomic(paths.run, {
    gtAnnotations: resolve(data.val.annotations),
    valImages: resolve(data.val.images),
    config: 'config.json',
    command: options.argv ? ['nx', 'run', 'trainer:train', ...options.argv].join(' ') : undefined,
  });

  const optimizer = createOptimizer(model, config);
  const loader = new CocoLoader(data.trainRecords, {
    imagesRoot: data.train.images,
    mode: 'train',
    batchSize: config.solver.imsPerBatch,
    seed: config.train.seed,
    prefetch: config.data.prefetch,
    augmentation: config.model.input.train,
    normalization: pixelNormalization(config.model.input.normalization),
    sizeDivisibility: config.model.input.sizeDivisibility,
  });

  let iteration = 0;
  let trainingSeconds = 0;
  let period = emptyPeriod();
  const fingerprint = configFingerprint(config);
  let lastCheckpoint: string | undefined;
  if (options.resume) {
    const latest = (await latestTrainingCheckpoint(runDir))!;
    const state = await restoreTrainingState(latest.path, model, optimizer);
    if (state.configFingerprint !== fingerprint) {
      throw new Error(`${latest.path}: the checkpoint was written with a different model, data, batch size or seed than ${paths.config} now has; resume with the same config (only solver and output settings may change)`);
    }
    loader.restore(state.loader);
    ({ iteration, trainingSeconds, period } = state);
    lastCheckpoint = latest.path;
    truncateMetrics(paths.metrics, iteration);
    logger.info({ checkpoint: latest.path, iteration }, `resumed from ${latest.fileName} at iteration ${iteration}`);
  } else if (config.model.backbone.pretrained) {
    const report = await model.loadPretrainedBackbone(config.model.backbone.pretrained);
    logger.info({ file: config.model.backbone.pretrained, report }, 'loaded pretrained backbone weights');
  }

  const { solver } = config;
  const schedule: LrScheduleOptions = {
    baseLr: scaledLearningRate(solver),
    maxIter: solver.maxIter,
    policy: solver.policy,
    steps: solver.steps,
    gamma: solver.gamma,
    warmupIters: solver.warmupIters,
    warmupFactor: solver.warmupFactor,
    warmupMethod: solver.warmupMethod,
  };
  const startIteration = iteration;
  const secondsAtStart = trainingSeconds;
  logger.info(
    { maxIter: solver.maxIter, batch: solver.imsPerBatch, lr: schedule.baseLr, parameters: model.numParameters({ trainableOnly: true }) },
    `training ${config.model.architecture} from iteration ${iteration} to ${solver.maxIter}, ${solver.imsPerBatch} images/iteration, LR ${schedule.baseLr} (${solver.baseLr} per ${solver.referenceBatchSize} images)`,
  );
  const variables = optimizer.parameters.map((p) => p.variable);
  const progress = iteration < solver.maxIter ? new Progress({ total: solver.maxIter - iteration, label: 'training', unit: 'it', logger }) : undefined;
  const record = (r: MetricsRecord) => appendFileSync(paths.metrics, `${JSON.stringify(r)}\n`);
  const state = (): TrainingStateMetadata => ({ kind: 'kestrel.training-state', version: 1, iteration, trainingSeconds, loader: loader.state(), period, configFingerprint: fingerprint });
  let lastLosses: LossValues | undefined;
  let evaluation: EvaluationResult | undefined;
  let stopped = false;
  model.train();
  try {
    while (iteration < solver.maxIter) {
      const started = performance.now();
      const batch = (await loader.next()) as Batch;
      const dataSeconds = (performance.now() - started) / 1000;
      const lr = learningRateAt(iteration, schedule);
      let losses: LossValues;
      try {
        losses = trainStep(model, optimizer, variables, batch, lr, config);
      } finally {
        batch.dispose();
      }
      if (!Object.values(losses).every(Number.isFinite)) {
        throw new NonFiniteLossError(
          `iteration ${iteration + 1}: non-finite loss (${formatLosses(losses)}); the weights were not updated. ` +
            (lastCheckpoint ? `The last good checkpoint is ${lastCheckpoint}.` : 'No checkpoint was written yet.') +
            ' Try a lower --lr, a longer solver.warmupIters or solver.clipGradients.',
        );
      }
      iteration++;
      const seconds = (performance.now() - started) / 1000;
      trainingSeconds += seconds;
      lastLosses = losses;
      accumulate(period, losses, batch.imageIds.length, seconds, dataSeconds);
      progress?.update(iteration - startIteration, { iter: `${iteration}/${solver.maxIter}`, loss: losses.total_loss.toFixed(3), lr: lr.toPrecision(3), 'img/s': (period.images / period.seconds).toFixed(2) });

      if (iteration % config.train.logPeriod === 0 || iteration === solver.maxIter) {
        const r = periodRecord(period, iteration, trainingSeconds, lr);
        record(r);
        logger.debug({ ...r }, `iteration ${iteration}: ${formatLosses(r.losses)}`);
        period = emptyPeriod();
      }
      stopped = options.shouldStop?.() ?? false;
      const last = iteration === solver.maxIter;
      if (!last && (iteration % config.train.checkpointPeriod === 0 || stopped)) {
        lastCheckpoint = await saveTrainingState(runDir, iteration, model, optimizer, state());
        await pruneCheckpoints(runDir, config.train.keepCheckpoints);
        logger.info({ checkpoint: lastCheckpoint, iteration }, `saved ${lastCheckpoint}`);
      }
      if (stopped) {
        logger.warn({ iteration }, `stopped at iteration ${iteration}; continue with --resume`);
        break;
      }
      if (!last && config.train.evalPeriod > 0 && iteration % config.train.evalPeriod === 0) {
        evaluation = await evaluateRun(model, data, paths, iteration, logger, 0);
        record(evalRecord(evaluation, iteration, trainingSeconds));
      }
    }
  } finally {
    await loader.close();
  }

  let finalCheckpoint: string | undefined;
  if (!stopped) {
    const finished = await latestTrainingCheckpoint(runDir);
    if (iteration > startIteration || finished?.iteration !== 'final') {
      finalCheckpoint = await saveTrainingState(runDir, 'final', model, optimizer, state());
      logger.info({ checkpoint: finalCheckpoint, iteration }, `saved ${finalCheckpoint}`);
    } else {
      finalCheckpoint = finished.path;
      logger.info({ iteration }, `the run had already finished ${iteration} iterations; evaluating ${finished.fileName}`);
    }
    evaluation = await evaluateRun(model, data, paths, iteration, logger, config.output.overlays);
    record(evalRecord(evaluation, iteration, trainingSeconds));
  }
  const imagesTrained = (iteration - startIteration) * solver.imsPerBatch;
  // Throughput of this process only: a resumed run's earlier segments trained other images.
  const secondsThisRun = trainingSeconds - secondsAtStart;
  return {
    paths,
    iterations: iteration,
    iterationsThisRun: iteration - startIteration,
    stopped,
    trainingSeconds,
    imagesPerSecond: secondsThisRun > 0 ? imagesTrained / secondsThisRun : 0,
    lastLosses,
    finalCheckpoint,
    evaluation,
    data,
    model,
  };
}

/** One SGD iteration; returns the losses (before the update). Leaves no tensors behind. */
export function trainStep(model: GeneralizedRCNN, optimizer: SGD, variables: tf.Variable[], batch: Batch, lr: number, config: TrainConfig): LossValues {
  let values: LossValues | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const losses = model.losses(batch) as DetectorLosses;
    const names = Object.keys(losses) as (keyof DetectorLosses)[];
    const scalars = names.map((n) => losses[n]!);
    const total = tf.addN(scalars) as tf.Scalar;
    const read = tf.stack([total, ...scalars]).dataSync();
    values = { total_loss: read[0]! } as LossValues;
    names.forEach((n, i) => (values![n] = read[i + 1]!));
    return total;
  }, variables);
  try {
    if (Object.values(values!).every(Number.isFinite)) {
      const clip = config.solver.clipGradients;
      const used = clip.enabled ? clipGradients(grads, { type: clip.type, value: clip.value }) : grads;
      optimizer.step(used, lr);
      if (used !== grads) tf.dispose(Object.values(used));
    }
  } finally {
    value.dispose();
    tf.dispose(Object.values(grads));
  }
  return values!;
}

/** SGD over the trainable parameters; norm parameters (γ, β) get `weightDecayNorm`. */
export function createOptimizer(model: GeneralizedRCNN, config: TrainConfig): SGD {
  const normParameters = new Set<tf.Variable>();
  for (const module of model.modules()) if (module instanceof Norm) for (const v of module.parameters()) normParameters.add(v);
  const parameters = model
    .namedParameters()
    .filter(([, v]) => v.trainable)
    .map(([name, variable]) => ({ name, variable, ...(normParameters.has(variable) ? { weightDecay: config.solver.weightDecayNorm } : {}) }));
  return new SGD(parameters, { momentum: config.solver.momentum, weightDecay: config.solver.weightDecay });
}

/** What must not change between a checkpoint and a resumed run for the run to stay exact. */
export function configFingerprint(config: TrainConfig): string {
  const { prefetch: _prefetch, maxValImages: _max, ...data } = config.data;
  return JSON.stringify({ model: config.model, data, batch: config.solver.imsPerBatch, seed: config.train.seed });
}

async function evaluateRun(model: GeneralizedRCNN, data: RunData, paths: RunPaths, iteration: number, logger: Logger, keep: number): Promise<EvaluationResult> {
  logger.info({ iteration }, `evaluating at iteration ${iteration} on ${data.valRecords.length} validation images`);
  return evaluateDetector(model, { records: data.valRecords, instances: data.valInstances, imagesRoot: data.val.images, runDir: paths.dir, keep, logger });
}

function evalRecord(e: EvaluationResult, iter: number, time: number): EvalRecord {
  return { type: 'eval', iter, time, bbox: e.bbox, ...(e.segm ? { segm: e.segm } : {}) };
}

function emptyPeriod(): PeriodAccumulator {
  return { iterations: 0, losses: {}, images: 0, seconds: 0, dataSeconds: 0 };
}

function accumulate(period: PeriodAccumulator, losses: LossValues, images: number, seconds: number, dataSeconds: number): void {
  period.iterations++;
  for (const [name, v] of Object.entries(losses) as [keyof LossValues, number][]) period.losses[name] = (period.losses[name] ?? 0) + v;
  period.images += images;
  period.seconds += seconds;
  period.dataSeconds += dataSeconds;
}

function periodRecord(period: PeriodAccumulator, iter: number, time: number, lr: number): TrainRecord {
  const losses = {} as LossValues;
  for (const name of LOSS_ORDER) {
    const sum = period.losses[name];
    if (sum !== undefined) losses[name] = sum / period.iterations;
  }
  return { type: 'train', iter, time, lr, losses, imagesPerSecond: period.images / period.seconds, dataTime: period.dataSeconds / period.iterations };
}

export function formatLosses(losses: Partial<LossValues>): string {
  return LOSS_ORDER.filter((n) => losses[n] !== undefined)
    .map((n) => `${n} ${losses[n]!.toFixed(4)}`)
    .join(', ');
}
