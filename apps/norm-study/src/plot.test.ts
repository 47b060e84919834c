import { PNG } from 'pngjs';
import { NORM_COLORS, chartSeries, renderPlot, type PlotSeries } from './plot';

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

// Axis math and the chart layout are tested in @kestrel/charts; here, the study's use of it.
describe('chartSeries', () => {
  it('colours each norm the same whatever else is plotted, and maps mean ± std', () => {
    const [only] = chartSeries([series[1]!]);
    expect(only!.color).toEqual(NORM_COLORS['cbn']);
    expect(only!.points[0]).toEqual({ x: 16, y: 78, err: 0.5 });
    expect(chartSeries([{ name: 'new-norm', points: [] }])[0]!.color).toBeDefined();
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

  it('draws the reference line and handles a single batch size and a single seed', () => {
    const withChance = PNG.sync.read(renderPlot(series, { reference: { value: 20, label: 'CHANCE' } }));
    expect(countColor(withChance, [110, 110, 110])).toBeGreaterThan(100); // dashed line + legend frame
    const png = PNG.sync.read(renderPlot([{ name: 'gn', points: [{ x: 4, mean: 50, std: 0 }] }]));
    expect(png.width).toBe(760);
  });

  it('refuses an empty plot', () => {
    expect(() => renderPlot([])).toThrow(/no data/);
  });
});
