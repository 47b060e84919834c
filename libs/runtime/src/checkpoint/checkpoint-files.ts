/**
 * detectron2-style checkpoint names in a run directory: `model_0000499.safetensors` (iteration,
 * zero-padded to 7 digits) and `model_final.safetensors`.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const CHECKPOINT_EXTENSION = '.safetensors';

export interface CheckpointFile {
  path: string;
  fileName: string;
  /** Iteration number, or 'final'. */
  iteration: number | 'final';
}

export interface CheckpointNameOptions {
  /** File name prefix. Default 'model'. */
  prefix?: string;
}

/** `model_0000499.safetensors` for 499, `model_final.safetensors` for 'final'. */
export function checkpointFileName(iteration: number | 'final', options: CheckpointNameOptions = {}): string {
  const prefix = options.prefix ?? 'model';
  if (iteration !== 'final' && (!Number.isSafeInteger(iteration) || iteration < 0)) {
    throw new RangeError(`checkpointFileName: iteration must be a non-negative integer or 'final', got ${iteration}`);
  }
  const suffix = iteration === 'final' ? 'final' : String(iteration).padStart(7, '0');
  return `${prefix}_${suffix}${CHECKPOINT_EXTENSION}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Checkpoints in `dir`, oldest first, `final` last. Temp files of in-progress or crashed saves
 * (hidden `.model_….tmp-…` names) never match. A missing directory has no checkpoints.
 */
export async function listCheckpoints(dir: string, options: CheckpointNameOptions = {}): Promise<CheckpointFile[]> {
  const pattern = new RegExp(`^${escapeRegExp(options.prefix ?? 'model')}_(\\d+|final)${escapeRegExp(CHECKPOINT_EXTENSION)}$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: CheckpointFile[] = [];
  for (const fileName of names) {
    const match = pattern.exec(fileName);
    if (match === null) continue;
    const tag = match[1] as string;
    found.push({ path: join(dir, fileName), fileName, iteration: tag === 'final' ? 'final' : Number(tag) });
  }
  const rank = (file: CheckpointFile): number => (file.iteration === 'final' ? Infinity : file.iteration);
  return found.sort((a, b) => rank(a) - rank(b) || a.fileName.localeCompare(b.fileName));
}

/** Path of the newest checkpoint in `dir` (`final` if present, else the highest iteration), or undefined. */
export async function latestCheckpoint(dir: string, options: CheckpointNameOptions = {}): Promise<string | undefined> {
  const all = await listCheckpoints(dir, options);
  return all.at(-1)?.path;
}
