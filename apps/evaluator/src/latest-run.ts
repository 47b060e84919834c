/**
 * Finding what to evaluate when no --dt is given: the newest predictions*.json in any
 * runs/<run>/ folder (the trainer writes them there), and that run's ground truth from
 * runs/<run>/run.json → "gtAnnotations" (a path, relative to the run folder or absolute).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

export interface RunPredictions {
  readonly runDir: string;
  readonly predictions: string;
  /** From run.json, if the run names its ground truth. */
  readonly gt: string | undefined;
}

export function findLatestPredictions(runsDir: string): RunPredictions | undefined {
  if (!existsSync(runsDir) || !statSync(runsDir).isDirectory()) return undefined;
  let best: { runDir: string; predictions: string; mtimeMs: number } | undefined;
  for (const run of readdirSync(runsDir, { withFileTypes: true })) {
    if (!run.isDirectory()) continue;
    const runDir = join(runsDir, run.name);
    for (const name of readdirSync(runDir)) {
      if (!/^predictions.*\.json$/.test(name)) continue;
      const predictions = join(runDir, name);
      const { mtimeMs } = statSync(predictions);
      if (!best || mtimeMs > best.mtimeMs || (mtimeMs === best.mtimeMs && predictions > best.predictions)) {
        best = { runDir, predictions, mtimeMs };
      }
    }
  }
  if (!best) return undefined;
  return { runDir: best.runDir, predictions: best.predictions, gt: gtFromRunJson(best.runDir) };
}

function gtFromRunJson(runDir: string): string | undefined {
  const path = join(runDir, 'run.json');
  if (!existsSync(path)) return undefined;
  try {
    const value = (JSON.parse(readFileSync(path, 'utf8')) as { gtAnnotations?: unknown }).gtAnnotations;
    if (typeof value !== 'string' || value === '') return undefined;
    return isAbsolute(value) ? value : resolve(runDir, value);
  } catch {
    return undefined;
  }
}
