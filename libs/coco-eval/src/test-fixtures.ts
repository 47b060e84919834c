/**
 * Test helpers for the pycocotools reference fixtures in libs/coco-eval/fixtures (copied from
 * ../shared, see fixtures/SOURCE.md). Not part of the public API.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES_DIR = join(__dirname, '..', 'fixtures');

export interface ExpectedCategory {
  AP_per_iou: number[];
  recall_per_iou: number[];
  AP: number;
  AP50: number;
  AP75: number;
  AR100: number;
}

export interface ExpectedEvaluation {
  gt: string;
  results: string;
  iouType: 'bbox' | 'segm';
  useCats: 0 | 1;
  stats: number[];
  summary_text: string[];
  per_category: Record<string, ExpectedCategory> | null;
  catIds: number[];
  num_images: number;
  num_gt: number;
  num_dt: number;
  precision_shape: number[];
  precision_sha256: string;
  recall_sha256: string;
}

export interface FixtureSet {
  readonly name: string;
  readonly dir: string;
  readonly evaluations: readonly ExpectedEvaluation[];
  /** sha256 and size of each input file, as recorded when the reference was computed. */
  readonly files: Readonly<Record<string, { sha256: string; bytes: number }>>;
}

export const FIXTURE_SETS = [
  { name: 'small_bbox', expected: 'expected_small_bbox.json' },
  { name: 'coco_val2014_100', expected: 'expected_coco_val2014_100.json' },
  { name: 'tiny_coco', expected: 'expected_tiny_coco.json' },
] as const;

export function loadFixtureSet(name: (typeof FIXTURE_SETS)[number]['name']): FixtureSet {
  const spec = FIXTURE_SETS.find((s) => s.name === name)!;
  const dir = join(FIXTURES_DIR, name);
  const expected = JSON.parse(readFileSync(join(dir, spec.expected), 'utf8')) as {
    evaluations: ExpectedEvaluation[];
    files: Record<string, { sha256: string; bytes: number }>;
  };
  return { name, dir, evaluations: expected.evaluations, files: expected.files };
}

export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** sha256 of the little-endian float64 bytes, as the fixtures' precision_sha256/recall_sha256. */
export function sha256OfFloat64(values: Float64Array): string {
  return createHash('sha256').update(Buffer.from(values.buffer, values.byteOffset, values.byteLength)).digest('hex');
}

/** Flattens a nested numeric JSON array in C order. */
export function flattenNested(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) flattenNested(v, out);
  else out.push(value as number);
  return out;
}
