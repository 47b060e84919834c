/**
 * Trains one cell of the study — one norm, one batch size, one seed — and evaluates it.
 * The model initialisation and the image stream depend only on the seed, so the cells of one
 * seed differ only in the norm and in how the same images are grouped into batches.
 */
import { Rng, tf } from '@kestrel/runtime';
import type { CropDataset, CropSplit } from './data';
import { top1Accuracy } from './metric';
import { NormClassifier } from './model';
import { blockNormSpecs, type NormSettings, type StudyNorm } from './norms';
import { Sgd } from './optimizer';
import { gatherCrops, CropStream } from './sampler';
import { lrFactor, scaledLr, stepsFor } from './schedule';

export interface CellConfig {
  norm: StudyNorm;
  batchSize: number;
  seed: number;
  /** Images seen in training (the same for every batch size). */
  images: number;
  /** Peak learning rate at `referenceBatch` (linearly scaled to the cell's batch). */
  baseLr: number;
  referenceBatch: number;
  /** Linear warm-up, in images. */
  warmupImages: number;
  momentum: number;
  weightDecay: number;
  /** Channels of the model's blocks. */
  widths: readonly number[];
  normSettings: NormSettings;
}

export interface CellResult {
  norm: StudyNorm;
  batchSize: number;
  seed: number;
  /** Validation top-1 accuracy (0–1), model in eval mode (running statistics). */
  accuracy: number;
  /** Mean training loss over the last 10 % of steps. */
  finalLoss: number;
  /** Whether the loss stayed finite. */
  finite: boolean;
  steps: number;
  peakLr: number;
  seconds: number;
  /**
   * Live tensors after the middle step and after the last: equal when nothing leaks (the
   * middle, not the first step, because CBN's history fills during its first window).
   */
  tensorsAtMidpoint: number;
  tensorsAtEnd: number;
}

export interface CellHooks {
  /** Called after each step with (step, steps, loss of that step when read, else NaN). */
  onStep?: (step: number, steps: number, loss: number) => void;
}

/** Reads the loss only every so many steps: a GPU-style sync per step would cost on wasm too. */
const LOSS_READ_INTERVAL = 10;

export function trainCell(config: CellConfig, data: CropDataset, hooks: CellHooks = {}): CellResult {
  const started = performance.now();
  const steps = stepsFor(config.images, config.batchSize);
  const peakLr = scaledLr(config.baseLr, config.batchSize, config.referenceBatch);
  const classes = data.classNames.length;
  const specs = blockNormSpecs(config.norm, config.widths.length, config.batchSize, steps, config.normSettings);
  const model = new NormClassifier({
    norm: (block) => specs[block]!,
    classes,
    widths: config.widths,
    rng: new Rng(config.seed).fork('model'),
  });
  const variables = model.trainableParameters();
  const optimizer = new Sgd(variables, model.decayedParameters(), { momentum: config.momentum, weightDecay: config.weightDecay });
  const stream = new CropStream(data.train.count, config.seed);
  const size = data.size;
  const tail: number[] = [];
  const tailStart = Math.floor(steps * 0.9);
  let finite = true;
  let tensorsAtMidpoint = 0;
  try {
    for (let step = 0; step < steps; step++) {
      const crops = stream.next(config.batchSize);
      const lr = peakLr * lrFactor(step * config.batchSize, config.images, { warmupImages: config.warmupImages });
      const lossTensor = tf.tidy(() => {
        const x = tf.tensor4d(gatherCrops(data.train.images, size, crops), [crops.length, size, size, 3]);
        const labels = tf.oneHot(
          tf.tensor1d(crops.map((c) => data.train.labels[c.index]!), 'int32'),
          classes,
        );
        const { value, grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(labels, model.forward(x)) as tf.Scalar,
          variables,
        );
        optimizer.step(grads, lr);
        return value;
      });
      if (step >= tailStart || step % LOSS_READ_INTERVAL === 0) {
        const loss = lossTensor.dataSync()[0]!;
        if (!Number.isFinite(loss)) finite = false;
        if (step >= tailStart) tail.push(loss);
        hooks.onStep?.(step + 1, steps, loss);
      } else {
        hooks.onStep?.(step + 1, steps, Number.NaN);
      }
      lossTensor.dispose();
      if (step === Math.floor(steps / 2)) tensorsAtMidpoint = tf.memory().numTensors;
      if (!finite) break;
    }
    const tensorsAtEnd = tf.memory().numTensors;
    model.eval();
    // A diverged model is evaluated too (NaN logits predict class 0): the number is what it scores.
    const accuracy = evaluate(model, data.val, size, classes);
    return {
      norm: config.norm,
      batchSize: config.batchSize,
      seed: config.seed,
      accuracy,
      finalLoss: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : Number.NaN,
      finite,
      steps,
      peakLr,
      seconds: (performance.now() - started) / 1000,
      tensorsAtMidpoint,
      tensorsAtEnd,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** Top-1 accuracy over a split, in chunks so memory stays small. */
export function evaluate(model: NormClassifier, split: CropSplit, size: number, classes: number, chunk = 256): number {
  const logits = new Float32Array(split.count * classes);
  const pixels = size * size * 3;
  for (let start = 0; start < split.count; start += chunk) {
    const n = Math.min(chunk, split.count - start);
    const out = tf.tidy(() =>
      model.forward(tf.tensor4d(split.images.subarray(start * pixels, (start + n) * pixels), [n, size, size, 3])),
    );
    logits.set(out.dataSync(), start * classes);
    out.dispose();
  }
  return top1Accuracy(logits, split.labels, classes);
}
