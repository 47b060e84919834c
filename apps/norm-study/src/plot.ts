/**
 * The study's figure, after the CBN paper's ResNet-18/ImageNet plot: accuracy vs batch size per
 * iteration (log2 axis, largest batch on the left as in the paper), one line per norm with ±std
 * error bars over seeds, a legend, axes, ticks and labels. Drawn by @kestrel/charts.
 */
import { lineChartPng, type ChartSeries } from '@kestrel/charts';
import type { Rgb } from '@kestrel/coco-data';

export interface PlotPoint {
  x: number;
  mean: number;
  std: number;
}

export interface PlotSeries {
  name: string;
  points: PlotPoint[];
  color?: Rgb;
}

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Default 760×480. */
  width?: number;
  height?: number;
  /** Font pixel size. Default 2. */
  fontScale?: number;
  /** Extra value the y axis must include (e.g. chance level), drawn as a dashed line. */
  reference?: { value: number; label: string };
}

/** Line colours by norm (matplotlib's tab10 where possible); others get palette colours. */
export const NORM_COLORS: Record<string, Rgb> = {
  bn: [31, 119, 180],
  gn: [44, 160, 44],
  brn: [255, 127, 14],
  'cbn-naive': [148, 103, 189],
  cbn: [214, 39, 40],
  'frozen-bn': [127, 127, 127],
};
const FALLBACK: Rgb[] = [[140, 86, 75], [227, 119, 194], [188, 189, 34], [23, 190, 207]];

/** The chart series: a norm's colour stays the same whatever other norms are plotted. */
export function chartSeries(series: readonly PlotSeries[]): ChartSeries[] {
  return series.map((s, i) => ({
    name: s.name,
    color: s.color ?? NORM_COLORS[s.name] ?? FALLBACK[i % FALLBACK.length]!,
    points: s.points.map((p) => ({ x: p.x, y: p.mean, err: p.std })),
  }));
}

/** Draws the figure and returns it as PNG bytes. */
export function renderPlot(series: readonly PlotSeries[], options: PlotOptions = {}): Buffer {
  const { reference, ...rest } = options;
  return lineChartPng(chartSeries(series), {
    ...rest,
    xScale: 'log2',
    xReversed: true, // largest batch on the left, as in the paper
    xTicks: series.flatMap((s) => s.points.map((p) => p.x)), // the batch sizes run
    markers: true,
    // Curves fall towards the right, where batches are small, so the bottom-left corner is free.
    legend: 'bottom-left',
    references: reference ? [reference] : [],
  });
}
