/** The run's training curves as PNGs under `<runDir>/plots/`, drawn from metrics.jsonl records. */
import { join } from 'node:path';
import { writeLineChart, type ChartSeries } from '@kestrel/charts';
import type { EvalRecord, LossValues, MetricsRecord, TrainRecord } from '../metrics';

/** Paths of the written plots. */
export interface TrainingPlots {
  /** Every loss and their total vs iteration (log y, smoothed over the raw line). */
  losses: string;
  /** bbox AP, AP50 and segm AP vs iteration; absent without eval records. */
  map?: string;
  /** Learning rate vs iteration; absent when `lr: false`. */
  lr?: string;
}

export interface TrainingPlotOptions {
  /** Also draw lr.png. Default true. */
  lr?: boolean;
  /**
   * Moving-average window over the logged periods for losses.png. Default: about 4% of the
   * records (round(n / 25), at least 1), so the trend shows whatever the run length.
   */
  smoothing?: number;
}

export const PLOT_FILES = { losses: 'losses.png', map: 'map.png', lr: 'lr.png' } as const;

/** Legend names (the chart font has no underscore), total first; loss_mask only for Mask R-CNN. */
const LOSS_NAMES: ReadonlyArray<[keyof LossValues, string]> = [
  ['total_loss', 'TOTAL'],
  ['loss_cls', 'CLS'],
  ['loss_box_reg', 'BOX REG'],
  ['loss_rpn_cls', 'RPN CLS'],
  ['loss_rpn_loc', 'RPN LOC'],
  ['loss_mask', 'MASK'],
];

/** Writes losses.png, map.png (with eval records) and lr.png into `<runDir>/plots/`. */
export function writeTrainingPlots(runDir: string, records: readonly MetricsRecord[], options: TrainingPlotOptions = {}): TrainingPlots {
  const byIter = <T extends MetricsRecord>(a: T, b: T): number => a.iter - b.iter;
  const train = records.filter((r): r is TrainRecord => r.type === 'train').sort(byIter);
  const evals = records.filter((r): r is EvalRecord => r.type === 'eval').sort(byIter);
  if (train.length === 0) throw new Error(`writeTrainingPlots: no train records for ${runDir}`);
  const dir = join(runDir, 'plots');
  // The same iteration axis on every plot, so they line up when read together.
  const xInclude = [0, train[train.length - 1]!.iter, ...(evals.length > 0 ? [evals[evals.length - 1]!.iter] : [])];

  const lossSeries: ChartSeries[] = LOSS_NAMES.filter(([key]) => train.some((r) => r.losses[key] !== undefined)).map(([key, name]) => ({
    name,
    points: train.map((r) => ({ x: r.iter, y: r.losses[key] ?? NaN })),
  }));
  const plots: TrainingPlots = { losses: join(dir, PLOT_FILES.losses) };
  writeLineChart(plots.losses, lossSeries, {
    title: 'TRAINING LOSSES',
    xLabel: 'ITERATION',
    yLabel: 'LOSS (LOG SCALE)',
    xInclude,
    yScale: 'log10',
    smoothing: options.smoothing ?? Math.max(1, Math.round(train.length / 25)),
    markers: false,
  });

  if (evals.length > 0) {
    const mapSeries: ChartSeries[] = [
      { name: 'BOX AP', points: evals.map((r) => ({ x: r.iter, y: r.bbox.AP })) },
      { name: 'BOX AP50', points: evals.map((r) => ({ x: r.iter, y: r.bbox.AP50 })) },
    ];
    if (evals.some((r) => r.segm)) mapSeries.push({ name: 'MASK AP', points: evals.map((r) => ({ x: r.iter, y: r.segm?.AP ?? NaN })) });
    plots.map = join(dir, PLOT_FILES.map);
    // AP from 0, so gains read in proportion.
    writeLineChart(plots.map, mapSeries, {
      title: 'COCO VAL AP',
      xLabel: 'ITERATION',
      yLabel: 'AP (%)',
      xInclude,
      yInclude: [0],
    });
  }

  if (options.lr ?? true) {
    plots.lr = join(dir, PLOT_FILES.lr);
    writeLineChart(plots.lr, [{ name: 'LR', points: train.map((r) => ({ x: r.iter, y: r.lr })) }], {
      title: 'LEARNING RATE',
      xLabel: 'ITERATION',
      yLabel: 'LR',
      xInclude,
      yInclude: [0],
      legend: 'none',
      markers: false,
    });
  }
  return plots;
}
