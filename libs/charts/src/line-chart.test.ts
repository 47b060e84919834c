import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rgb, RgbImage } from '@kestrel/coco-data';
import { PNG } from 'pngjs';
import { chartLayout, lineChart, lineChartPng, writeLineChart, type ChartSeries } from './line-chart';
import { lighten, PALETTE } from './palette';

const RED: Rgb = [214, 39, 40];
const BLUE: Rgb = [31, 119, 180];

function countColor(image: RgbImage, color: Rgb, region?: { x0: number; x1: number; y0: number; y1: number }): number {
  const { x0 = 0, x1 = image.width, y0 = 0, y1 = image.height } = region ?? {};
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * image.width + x) * 3;
      if (image.data[i] === color[0] && image.data[i + 1] === color[1] && image.data[i + 2] === color[2]) n++;
    }
  }
  return n;
}

/** A noisy, decaying loss curve: 500 iterations. */
function lossCurve(scale = 1): ChartSeries['points'] {
  return Array.from({ length: 500 }, (_, i) => ({ x: (i + 1) * 20, y: scale * (0.05 + 2 * Math.exp(-i / 80)) * (1 + 0.3 * Math.sin(i * 1.7)) }));
}

describe('chartLayout', () => {
  const batches: ChartSeries[] = [
    { name: 'A', points: [16, 8, 4, 2, 1].map((x, i) => ({ x, y: 80 - 12 * i, err: 1 + i })) },
    { name: 'B', points: [16, 8, 4, 2, 1].map((x) => ({ x, y: 78, err: 0.5 })) },
  ];

  it('log2 x: powers of two evenly spaced, reversed on request, padded inside the frame', () => {
    const layout = chartLayout(batches, { xScale: 'log2', xReversed: true });
    expect(layout.x(16)).toBeLessThan(layout.x(1));
    const gaps = [16, 8, 4, 2].map((b) => layout.x(b / 2) - layout.x(b));
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0]!, 9);
    expect(layout.x(16)).toBeGreaterThan(layout.left);
    expect(layout.x(1)).toBeLessThan(layout.right);
    expect(layout.xTicks).toEqual([1, 2, 4, 8, 16]);
    expect(layout.xTickLabels).toEqual(['1', '2', '4', '8', '16']);
  });

  it('y ticks enclose every error bar, reference and yInclude; higher is up', () => {
    const layout = chartLayout(batches, { references: [{ value: 20 }], yInclude: [90] });
    expect(layout.yTicks[0]).toBeLessThanOrEqual(20);
    expect(layout.yTicks[layout.yTicks.length - 1]).toBeGreaterThanOrEqual(90);
    expect(layout.y(80)).toBeLessThan(layout.y(30));
    expect(layout.y(layout.yTicks[0]!)).toBeCloseTo(layout.bottom, 9);
  });

  it('linear x: nice limits enclosing the iterations, integer labels', () => {
    const layout = chartLayout([{ name: 'L', points: lossCurve() }]);
    expect(layout.xTicks[0]).toBe(0);
    expect(layout.xTicks[layout.xTicks.length - 1]).toBe(10000);
    expect(layout.xTickLabels).toContain('4000');
    expect(layout.x(0)).toBeCloseTo(layout.left, 9);
    expect(layout.x(10000)).toBeCloseTo(layout.right, 9);
  });

  it('linear x: fewer ticks when long labels would touch; xInclude widens the axis', () => {
    const long = chartLayout([{ name: 'L', points: [{ x: 20, y: 1 }, { x: 90000, y: 2 }] }]);
    const spacing = long.x(long.xTicks[1]!) - long.x(long.xTicks[0]!);
    expect(spacing).toBeGreaterThan(5 * 12 + 4 * 12); // 5 characters of label + 4 of gap at font scale 2
    const aligned = chartLayout([{ name: 'AP', points: [{ x: 1000, y: 30 }, { x: 3000, y: 40 }] }], { xInclude: [0] });
    expect(aligned.xTicks[0]).toBe(0);
  });

  it('log10 y: decades evenly spaced, labels as plain numbers', () => {
    const layout = chartLayout([{ name: 'L', points: lossCurve() }], { yScale: 'log10' });
    expect(layout.yTicks[0]).toBeLessThanOrEqual(0.035);
    expect(layout.yTicks[layout.yTicks.length - 1]).toBeGreaterThanOrEqual(2.6);
    expect(layout.y(0.1) - layout.y(1)).toBeCloseTo(layout.y(0.01) - layout.y(0.1), 9);
    expect(layout.yTickLabels).toContain('0.1');
  });

  it('skips non-finite points and non-positive ones on a log axis', () => {
    const layout = chartLayout(
      [{ name: 'L', points: [{ x: 1, y: 1 }, { x: 2, y: NaN }, { x: NaN, y: 5 }, { x: 3, y: 0 }, { x: 4, y: 0.5 }] }],
      { yScale: 'log10' },
    );
    expect(layout.yTicks[0]).toBe(0.5);
    expect(layout.yTicks[layout.yTicks.length - 1]).toBe(1);
  });

  it('refuses a chart without a plottable point', () => {
    expect(() => chartLayout([])).toThrow(/no data/);
    expect(() => chartLayout([{ name: 'L', points: [{ x: 1, y: Infinity }] }])).toThrow(/no data/);
  });
});

describe('lineChart', () => {
  it('draws each series in its colour (palette by default) with frame and labels', () => {
    const image = lineChart(
      [
        { name: 'OURS', points: [0, 1, 2, 3].map((x) => ({ x, y: x * x })), color: RED },
        { name: 'BASELINE', points: [0, 1, 2, 3].map((x) => ({ x, y: 2 * x })) },
      ],
      { width: 400, height: 300, title: 'T', xLabel: 'X', yLabel: 'Y' },
    );
    expect(image.width).toBe(400);
    expect(image.height).toBe(300);
    expect(countColor(image, RED)).toBeGreaterThan(200);
    expect(countColor(image, PALETTE[1]!)).toBeGreaterThan(200); // second series, second palette colour
    expect(countColor(image, [0, 0, 0])).toBeGreaterThan(500); // frame, ticks, text
  });

  it('puts the line where the layout says', () => {
    const series: ChartSeries[] = [{ name: 'FLAT', points: [{ x: 0, y: 5 }, { x: 10, y: 5 }], color: BLUE }];
    const options = { width: 400, height: 300, legend: 'none' as const, markers: false };
    const image = lineChart(series, options);
    const layout = chartLayout(series, options);
    const py = Math.round(layout.y(5));
    const row = { x0: Math.ceil(layout.left) + 2, x1: Math.floor(layout.right) - 2, y0: py, y1: py + 1 };
    expect(countColor(image, BLUE, row)).toBe(row.x1 - row.x0);
    expect(countColor(image, BLUE)).toBeLessThan(3 * (row.x1 - row.x0)); // 2 px wide, nothing else blue
  });

  it('draws a smoothed line over the faint raw one on a log axis', () => {
    const image = lineChart([{ name: 'LOSS', points: lossCurve(), color: RED }], { yScale: 'log10', smoothing: 25 });
    expect(countColor(image, RED)).toBeGreaterThan(800);
    expect(countColor(image, lighten(RED, 0.65))).toBeGreaterThan(800);
  });

  it('breaks the line at non-finite values instead of failing', () => {
    const points = lossCurve().map((p, i) => (i >= 200 && i < 300 ? { ...p, y: NaN } : p));
    const image = lineChart([{ name: 'LOSS', points, color: RED }], { yScale: 'log10', smoothing: 9, legend: 'none' });
    const layout = chartLayout([{ name: 'LOSS', points }], { yScale: 'log10' });
    const gap = { x0: Math.round(layout.x(4200)), x1: Math.round(layout.x(5800)), y0: Math.ceil(layout.top) + 1, y1: Math.floor(layout.bottom) };
    expect(countColor(image, RED, gap)).toBe(0);
    expect(countColor(image, RED)).toBeGreaterThan(500);
  });

  it('draws error bars and markers for short series', () => {
    const bars = lineChart([{ name: 'E', points: [{ x: 1, y: 10, err: 5 }], color: RED }], { legend: 'none' });
    const plain = lineChart([{ name: 'E', points: [{ x: 1, y: 10 }], color: RED }], { legend: 'none' });
    expect(countColor(bars, RED)).toBeGreaterThan(countColor(plain, RED) + 50);
    expect(countColor(plain, RED)).toBeGreaterThan(30); // the marker disc
  });

  it("'auto' puts the legend in the corner the lines leave free", () => {
    // A line falling from top-left to bottom-right leaves top-right and bottom-left free; rising, the other two.
    const falling: ChartSeries[] = [{ name: 'AB', points: [{ x: 0, y: 10 }, { x: 10, y: 0 }], color: RED }];
    const rising: ChartSeries[] = [{ ...falling[0]!, points: [{ x: 0, y: 0 }, { x: 10, y: 10 }] }];
    const options = { width: 400, height: 300, markers: false };
    const layout = chartLayout(falling, options);
    const topRight = { x0: Math.round(layout.right) - 90, x1: Math.floor(layout.right) - 2, y0: Math.ceil(layout.top) + 2, y1: Math.round(layout.top) + 60 };
    const topLeft = { x0: Math.ceil(layout.left) + 2, x1: Math.round(layout.left) + 90, y0: Math.ceil(layout.top) + 2, y1: Math.round(layout.top) + 60 };
    expect(countColor(lineChart(falling, options), [0, 0, 0], topRight)).toBeGreaterThan(50);
    expect(countColor(lineChart(rising, options), [0, 0, 0], topRight)).toBe(0);
    expect(countColor(lineChart(rising, options), [0, 0, 0], topLeft)).toBeGreaterThan(50);
  });

  it('keeps the last x tick label inside the image', () => {
    const series: ChartSeries[] = [{ name: 'A', points: [{ x: 0, y: 0 }, { x: 100000, y: 1 }] }];
    const image = lineChart(series, { width: 400, height: 300, legend: 'none' });
    const layout = chartLayout(series, { width: 400, height: 300 });
    expect(layout.xTickLabels[layout.xTickLabels.length - 1]).toBe('100000');
    const labels = { x0: Math.round(layout.right), x1: 400, y0: Math.round(layout.bottom) + 8, y1: Math.round(layout.bottom) + 26 };
    expect(countColor(image, [0, 0, 0], labels)).toBeGreaterThan(20); // the label's right part, drawn not clipped
    for (let y = 0; y < 300; y++) expect(image.data[(y * 400 + 399) * 3]).toBe(255); // last column stays white
  });

  it('places the legend in the requested corner', () => {
    const series: ChartSeries[] = [{ name: 'A LONG LEGEND ENTRY', points: [{ x: 0, y: 0 }, { x: 1, y: 0 }], color: RED }];
    const options = { width: 400, height: 300, markers: false };
    const layout = chartLayout(series, options);
    const topLeft = { x0: Math.ceil(layout.left) + 2, x1: 200, y0: Math.ceil(layout.top) + 2, y1: 120 };
    expect(countColor(lineChart(series, { ...options, legend: 'top-left' }), [0, 0, 0], topLeft)).toBeGreaterThan(50);
    expect(countColor(lineChart(series, { ...options, legend: 'bottom-right' }), [0, 0, 0], topLeft)).toBe(0);
  });
});

describe('PNG output', () => {
  it('decodes with pngjs at the chart size, deterministically', () => {
    const series: ChartSeries[] = [{ name: 'A', points: lossCurve() }];
    const bytes = lineChartPng(series, { width: 500, height: 320, yScale: 'log10', smoothing: 10 });
    const png = PNG.sync.read(bytes);
    expect([png.width, png.height]).toEqual([500, 320]);
    expect(lineChartPng(series, { width: 500, height: 320, yScale: 'log10', smoothing: 10 }).equals(bytes)).toBe(true);
  });

  it('writeLineChart creates the folder and writes the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'charts-'));
    try {
      const file = join(dir, 'plots', 'a.png');
      writeLineChart(file, [{ name: 'A', points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }]);
      expect(PNG.sync.read(readFileSync(file)).width).toBe(760);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
