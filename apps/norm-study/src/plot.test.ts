import { PNG } from 'pngjs';
import { NORM_COLORS, plotLayout, renderPlot, type PlotSeries } from './plot';

const series: PlotSeries[] = [
  { name: 'bn', points: [16, 8, 4, 2, 1].map((x, i) => ({ x, mean: 80 - 12 * i, std: 1 + i })) },
  { name: 'cbn', points: [16, 8, 4, 2, 1].map((x) => ({ x, mean: 78, std: 0.5 })) },
];

function countColor(png: PNG, color: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (png.data[i] === color[0] && png.data[i + 1] === color[1] && png.data[i + 2] === color[2]) n++;
  }
  return n;
}

describe('plotLayout', () => {
  const layout = plotLayout(series, { width: 760, height: 480 });

  it('puts the largest batch on the left, evenly spaced in log2', () => {
    expect(layout.x(16)).toBeLessThan(layout.x(1));
    const gaps = [16, 8, 4, 2].map((b) => layout.x(b / 2) - layout.x(b));
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0]!, 9);
    expect(layout.x(16)).toBeGreaterThan(layout.left);
    expect(layout.x(1)).toBeLessThan(layout.right);
  });

  it('y ticks enclose every error bar and higher is up', () => {
    expect(layout.yTicks[0]).toBeLessThanOrEqual(80 - 48 - 5);
    expect(layout.yTicks[layout.yTicks.length - 1]).toBeGreaterThanOrEqual(81);
    expect(layout.y(80)).toBeLessThan(layout.y(30));
    expect(layout.y(layout.yTicks[0]!)).toBeCloseTo(layout.bottom, 9);
  });

  it('includes the reference value', () => {
    const withChance = plotLayout(series, { reference: { value: 20, label: 'CHANCE' } });
    expect(withChance.yTicks[0]).toBeLessThanOrEqual(20);
  });

  it('refuses an empty plot', () => {
    expect(() => plotLayout([])).toThrow(/no data/);
  });
});

describe('renderPlot', () => {
  it('writes a PNG of the requested size with one coloured line per series', () => {
    const png = PNG.sync.read(renderPlot(series, { width: 640, height: 400, title: 'T', xLabel: 'X', yLabel: 'Y' }));
    expect(png.width).toBe(640);
    expect(png.height).toBe(400);
    expect(countColor(png, NORM_COLORS['bn']!)).toBeGreaterThan(200);
    expect(countColor(png, NORM_COLORS['cbn']!)).toBeGreaterThan(200);
    expect(countColor(png, [0, 0, 0])).toBeGreaterThan(500); // frame, ticks, text
  });

  it('handles a single batch size and a single seed', () => {
    const png = PNG.sync.read(renderPlot([{ name: 'gn', points: [{ x: 4, mean: 50, std: 0 }] }]));
    expect(png.width).toBe(760);
  });
});
