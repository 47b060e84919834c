/**
 * The study's figure, after the CBN paper's ResNet-18/ImageNet plot: accuracy vs batch size per
 * iteration (log2 axis, largest batch on the left as in the paper), one line per norm with ±std
 * error bars over seeds, a legend, axes, ticks and labels.
 */
import type { Rgb } from '@kestrel/coco-data';
import { linearScale, log2Scale, niceTicks, tickDecimals } from './axis';
import { Canvas, measureText } from './canvas';

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

const BLACK: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];
const GREY: Rgb = [110, 110, 110];

/** Pixel layout of the plot area, exported for tests. */
export interface PlotLayout {
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: (v: number) => number;
  y: (v: number) => number;
  xTicks: number[];
  yTicks: number[];
  yDecimals: number;
}

export function plotLayout(series: readonly PlotSeries[], options: PlotOptions = {}): PlotLayout {
  const width = options.width ?? 760;
  const height = options.height ?? 480;
  const scale = options.fontScale ?? 2;
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p.mean - p.std, p.mean + p.std]));
  if (options.reference) ys.push(options.reference.value);
  if (xs.length === 0 || ys.length === 0) throw new Error('plot: no data points');
  const ticks = niceTicks(Math.min(...ys), Math.max(...ys), 6);
  const yDecimals = tickDecimals(ticks.step);
  const tickLabelWidth = Math.max(...ticks.values.map((v) => measureText(v.toFixed(yDecimals), scale).width));
  const left = 16 + 9 * scale + 12 + tickLabelWidth + 10; // y label, gap, tick labels, tick
  const top = 20 + 9 * scale;
  const right = width - 20;
  const bottom = height - (14 + 2 * 9 * scale + 10); // tick labels and x label
  const minX = xs[0]!;
  const maxX = xs[xs.length - 1]!;
  const pad = 0.35; // in log2 units, so end points do not sit on the frame
  const x =
    minX === maxX
      ? () => (left + right) / 2
      : log2Scale(maxX * 2 ** pad, minX / 2 ** pad, left, right); // largest batch on the left
  const y = linearScale(ticks.min, ticks.max, bottom, top);
  return { left, right, top, bottom, x, y, xTicks: xs, yTicks: ticks.values, yDecimals };
}

/** Draws the figure and returns it as PNG bytes. */
export function renderPlot(series: readonly PlotSeries[], options: PlotOptions = {}): Buffer {
  const width = options.width ?? 760;
  const height = options.height ?? 480;
  const scale = options.fontScale ?? 2;
  const layout = plotLayout(series, options);
  const { left, right, top, bottom, x, y } = layout;
  const canvas = new Canvas(width, height);

  // Grid, frame, ticks and tick labels.
  for (const v of layout.yTicks) {
    const py = y(v);
    canvas.line(left, py, right, py, GRID);
    canvas.line(left - 6, py, left, py, BLACK);
    canvas.text(left - 10, py - 3.5 * scale, v.toFixed(layout.yDecimals), BLACK, scale, 'right');
  }
  for (const v of layout.xTicks) {
    const px = x(v);
    canvas.line(px, top, px, bottom, GRID);
    canvas.line(px, bottom, px, bottom + 6, BLACK);
    canvas.text(px, bottom + 10, String(v), BLACK, scale, 'center');
  }
  canvas.line(left, top, right, top, BLACK);
  canvas.line(left, bottom, right, bottom, BLACK);
  canvas.line(left, top, left, bottom, BLACK);
  canvas.line(right, top, right, bottom, BLACK);
  if (options.reference) {
    const py = y(options.reference.value);
    canvas.dashedLine(left, py, right, py, GREY);
    canvas.text(right - 6, py - 8 * scale - 2, options.reference.label, GREY, Math.max(1, scale - 1), 'right');
  }

  // Axis labels and title.
  if (options.xLabel) canvas.text((left + right) / 2, height - 8 - 7 * scale, options.xLabel, BLACK, scale, 'center');
  if (options.yLabel) canvas.verticalText(16 + 3.5 * scale, (top + bottom) / 2, options.yLabel, BLACK, scale);
  if (options.title) canvas.text((left + right) / 2, 10, options.title, BLACK, scale, 'center');

  // Series: error bars, lines, markers.
  series.forEach((s, i) => {
    const color = s.color ?? NORM_COLORS[s.name] ?? FALLBACK[i % FALLBACK.length]!;
    const points = [...s.points].sort((a, b) => b.x - a.x);
    for (const p of points) {
      if (p.std > 0) {
        const px = x(p.x);
        canvas.line(px, y(p.mean - p.std), px, y(p.mean + p.std), color);
        canvas.line(px - 4, y(p.mean - p.std), px + 4, y(p.mean - p.std), color);
        canvas.line(px - 4, y(p.mean + p.std), px + 4, y(p.mean + p.std), color);
      }
    }
    for (let k = 1; k < points.length; k++) {
      canvas.line(x(points[k - 1]!.x), y(points[k - 1]!.mean), x(points[k]!.x), y(points[k]!.mean), color, 2);
    }
    for (const p of points) canvas.disc(x(p.x), y(p.mean), 4, color);
  });

  // Legend, bottom-left inside the frame (curves fall towards the right, where batches are small).
  const lineHeight = 9 * scale + 4;
  const legendWidth = 40 + Math.max(...series.map((s) => measureText(s.name, scale).width)) + 10;
  const legendHeight = series.length * lineHeight + 8;
  const lx = left + 12;
  const ly = bottom - 12 - legendHeight;
  canvas.fillRect(lx, ly, lx + legendWidth, ly + legendHeight, [255, 255, 255]);
  canvas.line(lx, ly, lx + legendWidth, ly, GREY);
  canvas.line(lx, ly + legendHeight, lx + legendWidth, ly + legendHeight, GREY);
  canvas.line(lx, ly, lx, ly + legendHeight, GREY);
  canvas.line(lx + legendWidth, ly, lx + legendWidth, ly + legendHeight, GREY);
  series.forEach((s, i) => {
    const color = s.color ?? NORM_COLORS[s.name] ?? FALLBACK[i % FALLBACK.length]!;
    const cy = ly + 6 + i * lineHeight + 3.5 * scale;
    canvas.line(lx + 8, cy, lx + 32, cy, color, 2);
    canvas.disc(lx + 20, cy, 4, color);
    canvas.text(lx + 40, cy - 3.5 * scale, s.name, BLACK, scale);
  });
  return canvas.png();
}
