/**
 * Line charts: named series of (x, y ± err) points on linear/log2 x and linear/log10 y axes, with
 * grid, ticks, labels, title, legend, error bars, markers, dashed reference lines and optional
 * moving-average smoothing drawn over the faint raw line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodePng, type Rgb, type RgbImage } from '@kestrel/coco-data';
import { formatNumber, linearScale, log10Scale, log2Scale, logTicks, niceTicks, tickDecimals } from './axis';
import { Canvas, measureText } from './canvas';
import { lighten, PALETTE } from './palette';
import { movingAverage } from './smooth';

export interface ChartPoint {
  x: number;
  y: number;
  /** Half-length of an error bar (y ± err); absent, 0 or non-finite draws none. */
  err?: number;
}

export interface ChartSeries {
  /** Legend text (the font is upper case: letters, digits and . , : - % / ( ) ! ? + = # * < > [ ]). */
  name: string;
  /** Any order (drawn sorted by x); points with a non-finite x or y, or ≤ 0 on a log axis, are skipped and break the line. */
  points: readonly ChartPoint[];
  /** Default: PALETTE[series index % 10] (matplotlib's tab10). */
  color?: Rgb;
}

/** A dashed horizontal line at y = value (e.g. chance level); the y axis always includes it. */
export interface ReferenceLine {
  value: number;
  label?: string;
}

export type LegendPosition = 'auto' | 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left' | 'none';

export interface LineChartOptions {
  /** Image size in pixels. Default 760×480. */
  width?: number;
  height?: number;
  /** Font pixel size (the 5×7 glyphs are scaled by it). Default 2. */
  fontScale?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /**
   * 'linear' (default): limits and ticks at 1-2-5 steps enclosing the data. 'log2': powers of two
   * evenly spaced (batch sizes), data range padded by 0.35 octave each side.
   */
  xScale?: 'linear' | 'log2';
  /** Largest x on the left. Default false. */
  xReversed?: boolean;
  /** Values the x axis must include besides the data (e.g. 0 and the last iteration, to align charts). Default none. */
  xInclude?: readonly number[];
  /** Explicit x tick positions (the axis then spans data ∪ ticks ∪ xInclude). Default: chosen from the scale. */
  xTicks?: readonly number[];
  /** x tick label text. Default: step-precision decimals on an auto linear axis, else formatNumber. */
  xFormat?: (v: number) => string;
  /** 'linear' (default, 1-2-5 ticks) or 'log10' (1-2-5 or decade ticks, see logTicks). */
  yScale?: 'linear' | 'log10';
  /** Values the y axis must include besides the data (e.g. 0). Default none. */
  yInclude?: readonly number[];
  /** y tick label text. Default: step-precision decimals (linear), formatNumber (log10). */
  yFormat?: (v: number) => string;
  /** Dashed horizontal lines, drawn under the series. Default none. */
  references?: readonly ReferenceLine[];
  /**
   * Moving-average window in points (centred, see movingAverage). > 1 draws each series' raw line
   * thin and faint and the smoothed line over it. Default 1 (off).
   */
  smoothing?: number;
  /** Disc markers at the points: 'auto' (default) = when a series has ≤ 40 points and smoothing is off. */
  markers?: boolean | 'auto';
  /** Width of the series lines in pixels. Default 2. */
  lineWidth?: number;
  /** Legend box corner inside the plot area; 'auto' (default) picks the one hiding the least of the lines. */
  legend?: LegendPosition;
}

/** Series with at most this many points get markers under markers: 'auto'. */
const AUTO_MARKER_MAX_POINTS = 40;
/** Octaves of padding each side of a log2 x axis, so end points do not sit on the frame. */
const LOG2_PAD = 0.35;
const MARKER_RADIUS = 4;
/** How much of a raw line's colour is mixed with white when a smoothed line is drawn over it. */
const RAW_LINE_FADE = 0.65;

const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];
const GRID: Rgb = [225, 225, 225];
const GREY: Rgb = [110, 110, 110];

/** Pixel layout of the plot area and the axes, exported for tests. */
export interface ChartLayout {
  width: number;
  height: number;
  /** Plot-area frame in pixels. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Data → pixel. */
  x: (v: number) => number;
  y: (v: number) => number;
  xTicks: number[];
  xTickLabels: string[];
  yTicks: number[];
  yTickLabels: string[];
}

function isPlottable(p: ChartPoint, o: LineChartOptions): boolean {
  if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return false;
  if (o.xScale === 'log2' && !(p.x > 0)) return false;
  if (o.yScale === 'log10' && !(p.y > 0)) return false;
  return true;
}

function errorOf(p: ChartPoint): number {
  return p.err !== undefined && Number.isFinite(p.err) && p.err > 0 ? p.err : 0;
}

/** Minimum and maximum of a non-empty list (no spread: series can have 10⁵ points). */
function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Axis limits, ticks and scales for `series`; throws when nothing is plottable. */
export function chartLayout(series: readonly ChartSeries[], options: LineChartOptions = {}): ChartLayout {
  const width = options.width ?? 760;
  const height = options.height ?? 480;
  const scale = options.fontScale ?? 2;
  const logY = options.yScale === 'log10';
  const points = series.flatMap((s) => s.points.filter((p) => isPlottable(p, options)));
  if (points.length === 0) throw new Error('lineChart: no data points (none with a finite x and y)');

  // y: data with error bars, references and yInclude; a log axis keeps only positive values.
  const ys = points.flatMap((p) => [p.y - errorOf(p), p.y + errorOf(p)]);
  for (const r of options.references ?? []) ys.push(r.value);
  ys.push(...(options.yInclude ?? []));
  const [yMin, yMax] = extent(ys.filter((v) => Number.isFinite(v) && (!logY || v > 0)));
  const yt = logY ? logTicks(yMin, yMax) : niceTicks(yMin, yMax, 6);
  const yFormat = options.yFormat ?? (logY ? formatNumber : (v: number) => v.toFixed(tickDecimals(yt.step)));
  const yTickLabels = yt.values.map(yFormat);

  const tickLabelWidth = Math.max(...yTickLabels.map((s) => measureText(s, scale).width));
  const left = 16 + 9 * scale + 12 + tickLabelWidth + 10; // y label, gap, tick labels, tick
  const top = 20 + 9 * scale;
  const right = width - 20;
  const bottom = height - (14 + 2 * 9 * scale + 10); // tick labels and x label
  const y = (logY ? log10Scale : linearScale)(yt.min, yt.max, bottom, top);

  const { x, xTicks, xTickLabels } = xAxis(points, options, left, right, scale);
  return { width, height, left, right, top, bottom, x, y, xTicks, xTickLabels, yTicks: yt.values, yTickLabels };
}

function xAxis(
  points: readonly ChartPoint[],
  o: LineChartOptions,
  left: number,
  right: number,
  scale: number,
): { x: (v: number) => number; xTicks: number[]; xTickLabels: string[] } {
  const explicit = o.xTicks?.filter((v) => Number.isFinite(v) && (o.xScale !== 'log2' || v > 0));
  const include = (o.xInclude ?? []).filter((v) => Number.isFinite(v) && (o.xScale !== 'log2' || v > 0));
  const [minX, maxX] = extent([...points.map((p) => p.x), ...(explicit ?? []), ...include]);
  const span = (lo: number, hi: number): [number, number] => (o.xReversed ? [hi, lo] : [lo, hi]);

  if (o.xScale === 'log2') {
    let ticks = explicit ? [...new Set(explicit)].sort((a, b) => a - b) : powersOfTwo(minX, maxX);
    if (ticks.length === 0) ticks = [...new Set([minX, maxX])];
    const [d0, d1] = span(minX / 2 ** LOG2_PAD, maxX * 2 ** LOG2_PAD);
    const x = minX === maxX ? () => (left + right) / 2 : log2Scale(d0, d1, left, right);
    return { x, xTicks: ticks, xTickLabels: ticks.map(o.xFormat ?? formatNumber) };
  }
  if (explicit) {
    const ticks = [...new Set(explicit)].sort((a, b) => a - b);
    const [lo, hi] = minX === maxX ? [minX - 1, maxX + 1] : [minX, maxX];
    return { x: linearScale(...span(lo, hi), left, right), xTicks: ticks, xTickLabels: ticks.map(o.xFormat ?? formatNumber) };
  }
  // Fewer ticks until the labels fit side by side with 4 characters between them (long iteration
  // numbers at a large font).
  for (let target = 6; ; target--) {
    const t = niceTicks(minX, maxX, target);
    const format = o.xFormat ?? ((v: number) => v.toFixed(tickDecimals(t.step)));
    const labels = t.values.map(format);
    const widest = Math.max(...labels.map((l) => measureText(l, scale).width));
    const spacing = (right - left) / Math.max(1, t.values.length - 1);
    if (widest + 4 * 6 * scale <= spacing || target === 1) {
      return { x: linearScale(...span(t.min, t.max), left, right), xTicks: t.values, xTickLabels: labels };
    }
  }
}

/** Powers of two in [lo, hi], thinned to at most 12. */
function powersOfTwo(lo: number, hi: number): number[] {
  const first = Math.ceil(Math.log2(lo) - 1e-9);
  const last = Math.floor(Math.log2(hi) + 1e-9);
  const stride = Math.max(1, Math.ceil((last - first + 1) / 12));
  const out: number[] = [];
  for (let k = first; k <= last; k += stride) out.push(2 ** k);
  return out;
}

/** Draws the chart. */
export function lineChart(series: readonly ChartSeries[], options: LineChartOptions = {}): RgbImage {
  const scale = options.fontScale ?? 2;
  const lineWidth = options.lineWidth ?? 2;
  const smoothing = options.smoothing ?? 1;
  const layout = chartLayout(series, options);
  const { width, height, left, right, top, bottom, x, y } = layout;
  const canvas = new Canvas(width, height);

  // Grid, frame, ticks and tick labels.
  layout.yTicks.forEach((v, i) => {
    const py = y(v);
    canvas.line(left, py, right, py, GRID);
    canvas.line(left - 6, py, left, py, BLACK);
    canvas.text(left - 10, py - 3.5 * scale, layout.yTickLabels[i]!, BLACK, scale, 'right');
  });
  layout.xTicks.forEach((v, i) => {
    const px = x(v);
    canvas.line(px, top, px, bottom, GRID);
    canvas.line(px, bottom, px, bottom + 6, BLACK);
    // Centred under the tick, but kept inside the image (a tick on the frame's right edge).
    const label = layout.xTickLabels[i]!;
    const half = measureText(label, scale).width / 2;
    canvas.text(Math.min(px, width - 2 - half), bottom + 10, label, BLACK, scale, 'center');
  });
  canvas.line(left, top, right, top, BLACK);
  canvas.line(left, bottom, right, bottom, BLACK);
  canvas.line(left, top, left, bottom, BLACK);
  canvas.line(right, top, right, bottom, BLACK);
  for (const ref of options.references ?? []) {
    if (!Number.isFinite(ref.value) || (options.yScale === 'log10' && !(ref.value > 0))) continue;
    const py = y(ref.value);
    canvas.dashedLine(left, py, right, py, GREY);
    if (ref.label) canvas.text(right - 6, py - 8 * scale - 2, ref.label, GREY, Math.max(1, scale - 1), 'right');
  }

  // Axis labels and title.
  if (options.xLabel) canvas.text((left + right) / 2, height - 8 - 7 * scale, options.xLabel, BLACK, scale, 'center');
  if (options.yLabel) canvas.verticalText(16 + 3.5 * scale, (top + bottom) / 2, options.yLabel, BLACK, scale);
  if (options.title) canvas.text((left + right) / 2, 10, options.title, BLACK, scale, 'center');

  // Series. With smoothing, every faint raw line goes first, so none hides a smoothed one;
  // then per series error bars, line and markers, later series on top.
  const colorOf = (s: ChartSeries, i: number): Rgb => s.color ?? PALETTE[i % PALETTE.length]!;
  const markersOf = (s: ChartSeries): boolean =>
    options.markers === 'auto' || options.markers === undefined
      ? smoothing <= 1 && s.points.length <= AUTO_MARKER_MAX_POINTS
      : options.markers;
  const drawn = series.map((s) => {
    const points = [...s.points].sort((a, b) => a.x - b.x);
    const raw = points.map((p) => (isPlottable(p, options) ? p.y : NaN));
    return { points, raw, main: smoothing > 1 ? movingAverage(raw, smoothing) : raw };
  });
  if (smoothing > 1) {
    drawn.forEach(({ points, raw }, i) => polyline(canvas, points, raw, x, y, lighten(colorOf(series[i]!, i), RAW_LINE_FADE), 1));
  }
  const floor = options.yScale === 'log10' ? layout.yTicks[0]! : -Infinity; // log axis: clip bars at the bottom
  drawn.forEach(({ points, raw, main }, i) => {
    const color = colorOf(series[i]!, i);
    points.forEach((p, k) => {
      const e = errorOf(p);
      if (!Number.isFinite(raw[k]!) || e === 0) return;
      const px = x(p.x);
      const lo = y(Math.max(p.y - e, floor));
      const hi = y(p.y + e);
      canvas.line(px, lo, px, hi, color);
      canvas.line(px - 4, lo, px + 4, lo, color);
      canvas.line(px - 4, hi, px + 4, hi, color);
    });
    polyline(canvas, points, main, x, y, color, lineWidth);
    if (markersOf(series[i]!)) {
      points.forEach((p, k) => {
        if (Number.isFinite(main[k]!)) canvas.disc(x(p.x), y(main[k]!), MARKER_RADIUS, color);
      });
    }
  });

  const position = options.legend ?? 'auto';
  if (position !== 'none' && series.length > 0) {
    const box = legendBox(series, scale);
    const corner = position === 'auto' ? emptiestCorner(layout, box, drawn, x, y) : position;
    drawLegend(canvas, placeLegend(layout, box, corner), series, scale, (s, i) => ({ color: colorOf(s, i), lineWidth, marker: markersOf(s) }));
  }
  return canvas.image;
}

/** Joins consecutive finite values; a non-finite one breaks the line. */
function polyline(
  canvas: Canvas,
  points: readonly ChartPoint[],
  ys: readonly number[],
  x: (v: number) => number,
  y: (v: number) => number,
  color: Rgb,
  width: number,
): void {
  for (let k = 1; k < points.length; k++) {
    const a = ys[k - 1]!;
    const b = ys[k]!;
    if (Number.isFinite(a) && Number.isFinite(b)) canvas.line(x(points[k - 1]!.x), y(a), x(points[k]!.x), y(b), color, width);
  }
}

type Corner = Exclude<LegendPosition, 'none' | 'auto'>;
const CORNERS: readonly Corner[] = ['top-right', 'top-left', 'bottom-left', 'bottom-right'];

function legendBox(series: readonly ChartSeries[], scale: number): { width: number; height: number; lineHeight: number } {
  const lineHeight = 9 * scale + 4;
  return {
    width: 40 + Math.max(...series.map((s) => measureText(s.name, scale).width)) + 10,
    height: series.length * lineHeight + 8,
    lineHeight,
  };
}

interface LegendRect {
  x: number;
  y: number;
  width: number;
  height: number;
  lineHeight: number;
}

function placeLegend(layout: ChartLayout, box: { width: number; height: number; lineHeight: number }, corner: Corner): LegendRect {
  return {
    ...box,
    x: corner.endsWith('left') ? layout.left + 12 : layout.right - 12 - box.width,
    y: corner.startsWith('top') ? layout.top + 12 : layout.bottom - 12 - box.height,
  };
}

/** The corner where the legend would hide the least of the lines (sampled along every segment). */
function emptiestCorner(
  layout: ChartLayout,
  box: { width: number; height: number; lineHeight: number },
  drawn: ReadonlyArray<{ points: readonly ChartPoint[]; main: readonly number[] }>,
  x: (v: number) => number,
  y: (v: number) => number,
): Corner {
  const rects = CORNERS.map((c) => placeLegend(layout, box, c));
  const hidden = rects.map(() => 0);
  const SAMPLES = 8;
  for (const { points, main } of drawn) {
    for (let k = 0; k < points.length; k++) {
      if (!Number.isFinite(main[k]!)) continue;
      const x1 = x(points[k]!.x);
      const y1 = y(main[k]!);
      const next = k + 1 < points.length && Number.isFinite(main[k + 1]!);
      const x2 = next ? x(points[k + 1]!.x) : x1;
      const y2 = next ? y(main[k + 1]!) : y1;
      for (let t = 0; t < (next ? SAMPLES : 1); t++) {
        const px = x1 + ((x2 - x1) * t) / SAMPLES;
        const py = y1 + ((y2 - y1) * t) / SAMPLES;
        rects.forEach((r, i) => {
          if (px >= r.x && px <= r.x + r.width && py >= r.y && py <= r.y + r.height) hidden[i]!++;
        });
      }
    }
  }
  // Ties go to the earlier corner in CORNERS (top-right first).
  return CORNERS[hidden.indexOf(Math.min(...hidden))]!;
}

function drawLegend(
  canvas: Canvas,
  rect: LegendRect,
  series: readonly ChartSeries[],
  scale: number,
  style: (s: ChartSeries, i: number) => { color: Rgb; lineWidth: number; marker: boolean },
): void {
  const { x: lx, y: ly, width, height, lineHeight } = rect;
  canvas.fillRect(lx, ly, lx + width, ly + height, WHITE);
  canvas.line(lx, ly, lx + width, ly, GREY);
  canvas.line(lx, ly + height, lx + width, ly + height, GREY);
  canvas.line(lx, ly, lx, ly + height, GREY);
  canvas.line(lx + width, ly, lx + width, ly + height, GREY);
  series.forEach((s, i) => {
    const { color, lineWidth, marker } = style(s, i);
    const cy = ly + 6 + i * lineHeight + 3.5 * scale;
    canvas.line(lx + 8, cy, lx + 32, cy, color, lineWidth);
    if (marker) canvas.disc(lx + 20, cy, MARKER_RADIUS, color);
    canvas.text(lx + 40, cy - 3.5 * scale, s.name, BLACK, scale);
  });
}

/** The chart as PNG bytes (deterministic: same input → same bytes). */
export function lineChartPng(series: readonly ChartSeries[], options: LineChartOptions = {}): Buffer {
  return encodePng(lineChart(series, options));
}

/** Draws the chart and writes it as a PNG file, creating its folder. */
export function writeLineChart(file: string, series: readonly ChartSeries[], options: LineChartOptions = {}): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, lineChartPng(series, options));
}
