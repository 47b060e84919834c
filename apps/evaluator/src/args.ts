/** Command-line arguments of `nx run evaluator:coco`. */

export type IouTypeChoice = 'bbox' | 'segm' | 'both';

export interface EvaluatorArgs {
  /** COCO ground-truth annotation file. */
  readonly gt: string | undefined;
  /** COCO results (detections) file. */
  readonly dt: string | undefined;
  /** Default: 'both' when the results carry masks, else 'bbox' (decided after loading). */
  readonly iouType: IouTypeChoice | undefined;
  /** Where to write the metrics as JSON. */
  readonly out: string | undefined;
  /** Where training runs live, searched when --dt is not given. Default 'runs'. */
  readonly runsDir: string;
  /** Worker threads, or 'auto' (default). */
  readonly workers: number | 'auto';
  readonly help: boolean;
}

export const USAGE = `Usage: nx run evaluator:coco --gt ANN.json --dt RESULTS.json [options]

Evaluates COCO detection results exactly as pycocotools does (same numbers, bit for bit).

  --gt PATH             COCO ground-truth annotations (instances_*.json)
  --dt PATH             COCO results: [{image_id, category_id, bbox | segmentation, score}, ...]
  --iou-type TYPE       bbox | segm | both (default: both if the results have masks, else bbox)
  --out PATH            also write the metrics as JSON
  --runs-dir DIR        where training runs are (default: runs)
  --workers N|auto      worker threads (default: auto)
  --help                show this help

Without --dt, the newest runs/<run>/predictions*.json written by the trainer is evaluated; its
ground truth is --gt, or the "gtAnnotations" path in runs/<run>/run.json.`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const VALUE_FLAGS = new Set(['--gt', '--dt', '--iou-type', '--out', '--runs-dir', '--workers']);

/** Parses `--flag value` and `--flag=value` forms. Throws UsageError on anything unexpected. */
export function parseArgs(argv: readonly string[]): EvaluatorArgs {
  const values = new Map<string, string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!VALUE_FLAGS.has(flag)) throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
    }
    if (value === '') throw new UsageError(`${flag} needs a value`);
    if (values.has(flag)) throw new UsageError(`${flag} given twice`);
    values.set(flag, value);
  }
  const iouType = values.get('--iou-type');
  if (iouType !== undefined && iouType !== 'bbox' && iouType !== 'segm' && iouType !== 'both') {
    throw new UsageError(`--iou-type must be bbox, segm or both, got ${JSON.stringify(iouType)}`);
  }
  const workersText = values.get('--workers') ?? 'auto';
  const workers = workersText === 'auto' ? 'auto' : Number(workersText);
  if (workers !== 'auto' && !(Number.isInteger(workers) && workers >= 0)) {
    throw new UsageError(`--workers must be a non-negative integer or auto, got ${JSON.stringify(workersText)}`);
  }
  return {
    gt: values.get('--gt'),
    dt: values.get('--dt'),
    iouType,
    out: values.get('--out'),
    runsDir: values.get('--runs-dir') ?? 'runs',
    workers,
    help,
  };
}
