/**
 * Runs the grid (norm × batch size × seed), writing into the run folder after every cell so a
 * long run can be inspected while it goes: `cells.jsonl` (one line per cell), `results.json`,
 * `table.md` and `accuracy-vs-batch.png`.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, formatDuration, Progress, type Logger } from '@kestrel/logging';
import { SHAPES_GENERATOR_VERSION } from '@kestrel/coco-data';
import { tf } from '@kestrel/runtime';
import { buildCropDataset, resolveCropOptions, type CropDataset } from './data';
import { blockNormSpecs, cbnWindowFor, type StudyNorm } from './norms';
import type { StudyOptions } from './options';
import { renderPlot, type PlotSeries } from './plot';
import { markdownTable, summarize, type StudyJson } from './report';
import { commonImageCount, stepsFor } from './schedule';
import { trainCell, type CellConfig, type CellResult } from './train';

export const OUTPUT_FILES = { table: 'table.md', json: 'results.json', plot: 'accuracy-vs-batch.png', cells: 'cells.jsonl' } as const;

export interface StudyRun {
  dir: string;
  json: StudyJson;
  table: string;
}

export interface RunStudyOptions {
  /** Run folder (created). */
  dir: string;
  /** The command line, recorded in the outputs. */
  command?: string;
  logger?: Logger;
  /** Prebuilt dataset (tests reuse one). */
  data?: CropDataset;
}

/** One cell's full configuration. */
export function cellConfig(o: StudyOptions, norm: StudyNorm, batchSize: number, seed: number, images: number): CellConfig {
  return {
    norm,
    batchSize,
    seed,
    images,
    baseLr: o.baseLr,
    referenceBatch: o.referenceBatch,
    warmupImages: Math.round(o.warmupFraction * images),
    momentum: o.momentum,
    weightDecay: o.weightDecay,
    widths: o.widths,
    normSettings: o.normSettings,
  };
}

export function runStudy(o: StudyOptions, run: RunStudyOptions): StudyRun {
  const logger = run.logger ?? createLogger('norm-study');
  const started = performance.now();
  const startedAt = new Date().toISOString();
  mkdirSync(run.dir, { recursive: true });
  const images = commonImageCount(o.images, o.batchSizes);
  const data = run.data ?? buildCropDataset(o.data);
  logger.info(
    { train: data.train.count, val: data.val.count, size: data.size, images },
    `data: ${data.train.count} training and ${data.val.count} validation crops of ${data.size}²; ${images} training images per cell`,
  );

  // What each cell runs with, recorded so the table can be reproduced and read.
  const perCell = o.norms.flatMap((norm) =>
    o.batchSizes.map((b) => ({ norm, batchSize: b, steps: stepsFor(images, b), blocks: blockNormSpecs(norm, o.widths.length, b, stepsFor(images, b), o.normSettings) })),
  );
  const config = {
    ...o,
    images,
    data: resolveCropOptions(o.data),
    // The crops depend on the shapes generator too: a new version renders different scenes.
    shapesGeneratorVersion: SHAPES_GENERATOR_VERSION,
    cropCounts: { train: data.train.count, val: data.val.count },
    cbnWindows: Object.fromEntries(o.batchSizes.map((b) => [b, cbnWindowFor(b, o.normSettings)])),
    cells: perCell,
  };

  const totalImages = images * o.norms.length * o.batchSizes.length * o.seeds.length;
  const progress = new Progress({ total: totalImages, label: 'norm-study', unit: 'img', logger });
  const results: CellResult[] = [];
  let done = 0;
  const write = (): StudyRun => {
    const summary = summarize(results, o.norms, o.batchSizes);
    const json: StudyJson = {
      metric: 'validation top-1 accuracy (%) of shape crops, model in eval mode (running statistics)',
      config,
      command: run.command ?? '',
      startedAt,
      seconds: (performance.now() - started) / 1000,
      summary,
      cells: results,
    };
    const table = markdownTable(summary, o.norms, o.batchSizes);
    writeFileSync(join(run.dir, OUTPUT_FILES.json), `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(join(run.dir, OUTPUT_FILES.table), table);
    const series: PlotSeries[] = o.norms
      .map((norm) => ({
        name: norm,
        points: summary.filter((c) => c.norm === norm).map((c) => ({ x: c.batchSize, mean: c.mean, std: c.std })),
      }))
      .filter((s) => s.points.length > 0);
    writeFileSync(
      join(run.dir, OUTPUT_FILES.plot),
      renderPlot(series, {
        title: `SHAPE CROPS: ACCURACY VS BATCH SIZE (${o.seeds.length} SEED${o.seeds.length > 1 ? 'S' : ''})`,
        xLabel: 'BATCH SIZE PER ITERATION',
        yLabel: 'VAL TOP-1 ACCURACY (%)',
        reference: { value: 100 / data.classNames.length, label: 'CHANCE' },
      }),
    );
    return { dir: run.dir, json, table };
  };

  let latest: StudyRun | undefined;
  for (const seed of o.seeds) {
    for (const batchSize of [...o.batchSizes].sort((a, b) => b - a)) {
      for (const norm of o.norms) {
        const base = done;
        const result = trainCell(cellConfig(o, norm, batchSize, seed, images), data, {
          onStep: (step, _steps, loss) =>
            progress.update(base + step * batchSize, Number.isNaN(loss) ? { norm, batch: batchSize, seed } : { norm, batch: batchSize, seed, loss }),
        });
        done += images;
        results.push(result);
        appendFileSync(join(run.dir, OUTPUT_FILES.cells), `${JSON.stringify(result)}\n`);
        if (result.finite && result.tensorsAtEnd !== result.tensorsAtMidpoint) {
          logger.warn({ ...result }, `tensor count changed during training: ${result.tensorsAtMidpoint} → ${result.tensorsAtEnd}`);
        }
        logger.info(
          { cell: result },
          `${norm} batch ${batchSize} seed ${seed}: accuracy ${(100 * result.accuracy).toFixed(1)} %, final loss ${result.finalLoss.toFixed(3)}, ` +
            `${result.steps} steps in ${formatDuration(result.seconds)}${result.finite ? '' : ' (DIVERGED)'}; live tensors ${tf.memory().numTensors}`,
        );
        latest = write();
      }
    }
  }
  return latest ?? write();
}
