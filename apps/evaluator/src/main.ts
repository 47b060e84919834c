/**
 * `nx run evaluator:coco --gt ANN.json --dt RESULTS.json [--iou-type bbox|segm|both] [--out metrics.json]`
 *
 * Prints pycocotools' 12-line summary and a per-category table for each IoU type and writes the
 * numbers as JSON. The summary is the program's output, so it goes to stdout; notes and errors go
 * to stderr.
 */
import { writeFileSync } from 'node:fs';
import { CocoGroundTruth, CocoInputError, evaluateCoco, loadResults, type IouType } from '@kestrel/coco-eval';
import { parseArgs, USAGE, UsageError, type EvaluatorArgs } from './args';
import { findLatestPredictions } from './latest-run';
import { formatCategoryTable, metricsJson, type MetricsJson } from './report';

interface Inputs {
  readonly gt: string;
  readonly dt: string;
}

function resolveInputs(args: EvaluatorArgs): Inputs {
  if (args.gt && args.dt) return { gt: args.gt, dt: args.dt };
  if (args.dt) throw new UsageError('--gt is required with --dt');
  const latest = findLatestPredictions(args.runsDir);
  if (!latest) {
    throw new UsageError(`no --dt given and no training run predictions found (looked for ${args.runsDir}/<run>/predictions*.json)`);
  }
  const gt = args.gt ?? latest.gt;
  if (!gt) {
    throw new UsageError(`found ${latest.predictions}, but no ground truth: pass --gt ANN.json (or set "gtAnnotations" in ${latest.runDir}/run.json)`);
  }
  process.stderr.write(`evaluating the latest run's predictions: ${latest.predictions}\n`);
  return { gt, dt: latest.predictions };
}

async function run(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const inputs = resolveInputs(args);
  const gt = CocoGroundTruth.fromFile(inputs.gt);
  const dt = loadResults(gt, inputs.dt);
  for (const warning of [...gt.warnings, ...dt.warnings]) process.stderr.write(`note: ${warning}\n`);
  const hasMasks = dt.branch === 'segm' || dt.segmentations.some((s) => s !== undefined);
  const choice = args.iouType ?? (hasMasks ? 'both' : 'bbox');
  const iouTypes: IouType[] = choice === 'both' ? ['bbox', 'segm'] : [choice];

  const evaluations: Record<string, MetricsJson> = {};
  for (const iouType of iouTypes) {
    const started = performance.now();
    const result = await evaluateCoco(gt, dt, { iouType, workers: args.workers });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\nEvaluate annotation type *${iouType}*\n`);
    process.stdout.write(`${result.summaryLines.join('\n')}\n\n`);
    process.stdout.write(`${formatCategoryTable(result).join('\n')}\n`);
    const ms = result.timingsMs;
    process.stderr.write(
      `${iouType}: ${result.counts.images} images, ${result.counts.groundTruths} ground truths, ${result.counts.detections} detections ` +
        `in ${seconds.toFixed(2)} s (prepare ${(ms.prepare / 1000).toFixed(2)}, evaluate ${(ms.evaluate / 1000).toFixed(2)}, ` +
        `accumulate ${(ms.accumulate / 1000).toFixed(2)} s; ${result.workersUsed} worker thread(s))\n`,
    );
    evaluations[iouType] = metricsJson(result, seconds);
  }
  if (args.out) {
    writeFileSync(args.out, `${JSON.stringify({ gt: inputs.gt, dt: inputs.dt, reference: 'pycocotools 2.0.11 (numpy 1.24), bit-exact', evaluations }, null, 2)}\n`);
    process.stderr.write(`wrote ${args.out}\n`);
  }
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (error instanceof CocoInputError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
