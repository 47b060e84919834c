/**
 * Training checkpoints: one safetensors file per save, written atomically, holding everything a
 * resumed run needs to continue exactly — model state (parameters, running statistics, CBN
 * history, sampler RNG streams: `model.*`), SGD momentum (`optimizer.*`) and, as JSON metadata,
 * the iteration, the data loader's position and the metrics accumulated since the last record.
 * The LR schedule is a pure function of the iteration, so it needs no state of its own.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { checkpointFileName, listCheckpoints, loadCheckpoint, saveCheckpoint, type CheckpointFile, type Module, type SGD } from '@kestrel/runtime';
import type { LoaderState } from '@kestrel/coco-data';
import type { LossValues } from '../metrics';

/** Losses and timings summed since the last metrics record. */
export interface PeriodAccumulator {
  iterations: number;
  losses: Partial<Record<keyof LossValues, number>>;
  images: number;
  seconds: number;
  dataSeconds: number;
}

export interface TrainingStateMetadata {
  kind: 'kestrel.training-state';
  version: 1;
  /** Iterations finished. */
  iteration: number;
  /** Seconds spent training so far, over all segments of the run. */
  trainingSeconds: number;
  loader: LoaderState;
  period: PeriodAccumulator;
  /** The resolved config's JSON, to refuse resuming with a different model or solver. */
  configFingerprint: string;
}

export interface TrainingState {
  file: string;
  metadata: TrainingStateMetadata;
}

export function checkpointsDir(runDir: string): string {
  return join(runDir, 'checkpoints');
}

/** Writes `model_<iteration - 1>.safetensors` (detectron2's naming) or `model_final.safetensors`. */
export async function saveTrainingState(
  runDir: string,
  tag: number | 'final',
  model: Module,
  optimizer: SGD,
  metadata: TrainingStateMetadata,
): Promise<string> {
  const file = join(checkpointsDir(runDir), checkpointFileName(tag === 'final' ? 'final' : tag - 1));
  const tensors: Record<string, tf.Tensor> = {};
  const modelState = model.stateDict({ prefix: 'model' });
  const optimizerState = optimizer.stateDict();
  try {
    Object.assign(tensors, modelState);
    for (const [name, tensor] of Object.entries(optimizerState)) tensors[`optimizer.${name}`] = tensor;
    await mkdir(checkpointsDir(runDir), { recursive: true });
    await saveCheckpoint(file, { tensors, metadata });
  } finally {
    tf.dispose(Object.values(optimizerState));
    tf.dispose(Object.values(modelState));
  }
  return file;
}

/** The newest checkpoint of a run (final first), or undefined. */
export async function latestTrainingCheckpoint(runDir: string): Promise<CheckpointFile | undefined> {
  const files = await listCheckpoints(checkpointsDir(runDir));
  return files[files.length - 1];
}

/** Loads a checkpoint into the model and optimizer; returns its metadata. */
export async function restoreTrainingState(file: string, model: Module, optimizer: SGD): Promise<TrainingStateMetadata> {
  const loaded = await loadCheckpoint<TrainingStateMetadata>(file);
  try {
    const metadata = loaded.metadata;
    if (!metadata || metadata.kind !== 'kestrel.training-state' || metadata.version !== 1) {
      throw new Error(`${file}: not a Kestrel training checkpoint (metadata "kind" ${JSON.stringify(metadata?.kind)}); model-only weights go in model.backbone.pretrained`);
    }
    const modelState: Record<string, tf.Tensor> = {};
    const optimizerState: Record<string, tf.Tensor> = {};
    for (const [name, tensor] of Object.entries(loaded.tensors)) {
      if (name.startsWith('model.')) modelState[name.slice('model.'.length)] = tensor;
      else if (name.startsWith('optimizer.')) optimizerState[name.slice('optimizer.'.length)] = tensor;
      else throw new Error(`${file}: unexpected tensor "${name}" (expected model.* or optimizer.*)`);
    }
    model.loadStateDict(modelState);
    optimizer.loadStateDict(optimizerState);
    return metadata;
  } finally {
    tf.dispose(Object.values(loaded.tensors));
  }
}

/** Deletes all but the newest `keep` periodic checkpoints (the final one is never deleted). */
export async function pruneCheckpoints(runDir: string, keep: number): Promise<void> {
  const periodic = (await listCheckpoints(checkpointsDir(runDir))).filter((f) => f.iteration !== 'final');
  for (const old of periodic.slice(0, Math.max(0, periodic.length - keep))) await rm(old.path, { force: true });
}
