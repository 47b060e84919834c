import { readFile } from 'node:fs/promises';
import { CocoFormatError, type CocoIssue } from '../errors';
import { CategoryMap } from './categories';
import type { CocoDataset } from './types';
import { validateCocoDataset, type ValidateOptions } from './validate';

export interface CocoInstances {
  /** The JSON file it came from. */
  file: string;
  dataset: CocoDataset;
  categories: CategoryMap;
  /** Annotations dropped under `onInvalidAnnotation: 'skip'`. */
  skipped: CocoIssue[];
  /** Degenerate polygons (< 3 points) dropped. */
  droppedPolygons: number;
}

/** Validates an already parsed COCO object (`file` is used in error messages). */
export function parseCocoInstances(json: unknown, file: string, options: ValidateOptions = {}): CocoInstances {
  const report = validateCocoDataset(json, file, options);
  return {
    file,
    dataset: report.dataset,
    categories: new CategoryMap(report.dataset.categories),
    skipped: report.skipped,
    droppedPolygons: report.droppedPolygons,
  };
}

/** Reads, parses and validates a COCO instances JSON file. */
export async function loadCocoInstances(file: string, options: ValidateOptions = {}): Promise<CocoInstances> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new Error(`${file}: cannot read COCO annotations: ${reason}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CocoFormatError(file, [
      { file, where: 'top level', field: '(root)', expected: 'valid JSON', got: (error as Error).message },
    ]);
  }
  return parseCocoInstances(json, file, options);
}
