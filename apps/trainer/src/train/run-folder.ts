/**
 * The run folder: everything a run leaves behind, in one place.
 *
 *   config.json        the resolved config (every key, defaults filled)
 *   run.json           what the evaluator app needs (`gtAnnotations`) and how the run was started
 *   log.jsonl          pino JSON logs
 *   metrics.jsonl      losses / LR / speed per log period, COCO numbers per evaluation
 *   checkpoints/       model_<iter>.safetensors (periodic, atomic) and model_final.safetensors
 *   predictions.json   COCO results of the latest evaluation
 *   plots/, overlays/  PNG figures; report.md links them
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listCheckpoints } from '@kestrel/runtime';
import { checkpointsDir } from './checkpointing';

export interface RunPaths {
  dir: string;
  config: string;
  run: string;
  log: string;
  metrics: string;
  checkpoints: string;
  plots: string;
  overlays: string;
  report: string;
}

export function runPaths(dir: string): RunPaths {
  return {
    dir,
    config: join(dir, 'config.json'),
    run: join(dir, 'run.json'),
    log: join(dir, 'log.jsonl'),
    metrics: join(dir, 'metrics.jsonl'),
    checkpoints: checkpointsDir(dir),
    plots: join(dir, 'plots'),
    overlays: join(dir, 'overlays'),
    report: join(dir, 'report.md'),
  };
}

/** A run folder in a state the requested start cannot use (existing run without --resume, …). */
export class RunFolderError extends Error {
  override name = 'RunFolderError';
}

/**
 * Makes the folder ready: a new run needs a folder without checkpoints (or `overwrite`, which
 * removes the old run's files); `resume` needs a checkpoint to continue from.
 */
export async function prepareRunFolder(paths: RunPaths, mode: { resume: boolean; overwrite: boolean }): Promise<void> {
  const existing = await listCheckpoints(paths.checkpoints);
  if (mode.resume) {
    if (existing.length === 0) throw new RunFolderError(`${paths.dir}: no checkpoint to resume from (looked in ${paths.checkpoints}); start without --resume`);
    return;
  }
  if (existing.length > 0 && !mode.overwrite) {
    throw new RunFolderError(
      `${paths.dir} already holds a run (${existing[existing.length - 1]!.fileName}); pass --resume to continue it, --overwrite to start it again, or --out DIR for a new folder`,
    );
  }
  if (mode.overwrite) {
    for (const path of [paths.checkpoints, paths.metrics, paths.log, paths.plots, paths.overlays, paths.report, join(paths.dir, 'predictions.json')]) {
      rmSync(path, { recursive: true, force: true });
    }
  }
  mkdirSync(paths.dir, { recursive: true });
}

/** Writes JSON through a temp file and a rename, so readers never see half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, file);
}

/**
 * On resume, drops metrics records written after the checkpoint (the crashed segment's), so the
 * file reads as one history. A torn last line from a crash mid-write goes too.
 */
export function truncateMetrics(file: string, iteration: number): void {
  if (!existsSync(file)) return;
  const kept: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let record: { iter?: unknown };
    try {
      record = JSON.parse(line) as { iter?: unknown };
    } catch {
      continue;
    }
    if (typeof record.iter === 'number' && record.iter <= iteration) kept.push(line);
  }
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, kept.map((l) => `${l}\n`).join(''));
  renameSync(temporary, file);
}
