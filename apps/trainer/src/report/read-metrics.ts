/** Reading a run's `metrics.jsonl` back, checked record by record. */
import { readFileSync } from 'node:fs';
import type { CocoSummary, EvalRecord, LossValues, MetricsRecord, TrainRecord } from '../metrics';

/** A line of a metrics file that is not a valid record; the message names file, line and problem. */
export class MetricsFileError extends Error {
  override name = 'MetricsFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

const LOSS_KEYS = ['total_loss', 'loss_rpn_cls', 'loss_rpn_loc', 'loss_cls', 'loss_box_reg'] as const;
const COCO_KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl'] as const;

/**
 * Reads and checks every record of a metrics.jsonl file. Blank lines are skipped. A last line
 * without its newline that does not parse is a write cut short by a crash and is ignored; any
 * other bad line throws a MetricsFileError.
 */
export function readMetrics(file: string): MetricsRecord[] {
  return parseMetrics(readFileSync(file, 'utf8'), file);
}

/** readMetrics on text already read; `file` names it in errors. */
export function parseMetrics(text: string, file: string): MetricsRecord[] {
  const lines = text.split('\n');
  const records: MetricsRecord[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    // split() leaves the text after the final '\n' last: non-empty there means no newline yet.
    const unterminated = index === lines.length - 1;
    try {
      records.push(parseRecord(JSON.parse(line)));
    } catch (error) {
      if (unterminated) return;
      const problem = error instanceof SyntaxError ? `not valid JSON (${error.message})` : (error as Error).message;
      throw new MetricsFileError(file, index + 1, problem);
    }
  });
  return records;
}

/** Checks one parsed line; throws an Error saying which field is wrong. */
export function parseRecord(value: unknown): MetricsRecord {
  const o = objectAt(value, 'record');
  if (o['type'] === 'train') return parseTrain(o);
  if (o['type'] === 'eval') return parseEval(o);
  throw new Error(`"type" must be "train" or "eval", got ${show(o['type'])}`);
}

function parseTrain(o: Record<string, unknown>): TrainRecord {
  const lossObject = objectAt(o['losses'], 'train record: "losses"');
  const losses = {} as LossValues;
  for (const key of LOSS_KEYS) losses[key] = lossAt(lossObject, key);
  if (lossObject['loss_mask'] !== undefined) losses.loss_mask = lossAt(lossObject, 'loss_mask');
  return {
    type: 'train',
    iter: numberAt(o, 'iter', 'train record'),
    time: numberAt(o, 'time', 'train record'),
    lr: numberAt(o, 'lr', 'train record'),
    losses,
    imagesPerSecond: numberAt(o, 'imagesPerSecond', 'train record'),
    dataTime: numberAt(o, 'dataTime', 'train record'),
  };
}

function parseEval(o: Record<string, unknown>): EvalRecord {
  const record: EvalRecord = {
    type: 'eval',
    iter: numberAt(o, 'iter', 'eval record'),
    time: numberAt(o, 'time', 'eval record'),
    bbox: summaryAt(o, 'bbox'),
  };
  if (o['segm'] !== undefined) record.segm = summaryAt(o, 'segm');
  return record;
}

function summaryAt(o: Record<string, unknown>, key: 'bbox' | 'segm'): CocoSummary {
  const s = objectAt(o[key], `eval record: "${key}"`);
  const summary = {} as CocoSummary;
  for (const k of COCO_KEYS) summary[k] = numberAt(s, k, `eval record: ${key}`);
  return summary;
}

/** A loss; null reads as NaN, since JSON.stringify writes a diverged (NaN/Infinity) loss as null. */
function lossAt(o: Record<string, unknown>, key: string): number {
  if (o[key] === null) return NaN;
  return numberAt(o, key, 'train record: losses');
}

function numberAt(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw new Error(`${where}: "${key}" must be a number, got ${show(v)}`);
  return v;
}

function objectAt(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} must be a JSON object, got ${show(v)}`);
  return v as Record<string, unknown>;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
