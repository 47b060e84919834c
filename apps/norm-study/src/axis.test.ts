import { linearScale, log2Scale, niceStep, niceTicks, tickDecimals } from './axis';

describe('niceStep', () => {
  it.each([
    [10, 5, 2],
    [100, 5, 20],
    [1, 4, 0.2],
    [37, 6, 5],
    [0.37, 6, 0.05],
    [70, 6, 10],
  ])('range %p over %p ticks → %p', (range, ticks, step) => {
    expect(niceStep(range, ticks)).toBeCloseTo(step, 12);
  });
});

describe('niceTicks', () => {
  it('encloses the data with whole steps', () => {
    const t = niceTicks(17.3, 82.6, 6);
    expect(t.step).toBe(10);
    expect(t.min).toBe(10);
    expect(t.max).toBe(90);
    expect(t.values).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it('keeps bounds that are already ticks and avoids float noise', () => {
    const t = niceTicks(0.1, 0.3, 2);
    expect(t.values).toEqual([0.1, 0.2, 0.3]);
    expect(niceTicks(20, 80, 6).values).toEqual([20, 30, 40, 50, 60, 70, 80]);
  });

  it('widens a degenerate range', () => {
    const t = niceTicks(50, 50);
    expect(t.min).toBeLessThan(50);
    expect(t.max).toBeGreaterThan(50);
  });

  it('rejects non-finite data', () => {
    expect(() => niceTicks(NaN, 1)).toThrow(/non-finite/);
  });
});

describe('tickDecimals', () => {
  it('shows exactly the digits a step needs', () => {
    expect(tickDecimals(5)).toBe(0);
    expect(tickDecimals(0.5)).toBe(1);
    expect(tickDecimals(0.25)).toBe(2);
  });
});

describe('scales', () => {
  it('maps linearly, also onto an inverted pixel range', () => {
    const y = linearScale(0, 100, 400, 0);
    expect(y(0)).toBe(400);
    expect(y(100)).toBe(0);
    expect(y(25)).toBe(300);
  });

  it('spaces powers of two evenly on a log2 axis, largest first when asked', () => {
    const x = log2Scale(16, 1, 0, 400);
    expect(x(16)).toBeCloseTo(0, 9);
    expect(x(1)).toBeCloseTo(400, 9);
    const gaps = [16, 8, 4, 2].map((b) => x(b / 2) - x(b));
    for (const g of gaps) expect(g).toBeCloseTo(100, 9);
  });

  it('rejects a non-positive log domain', () => {
    expect(() => log2Scale(0, 16, 0, 1)).toThrow(/positive/);
  });
});
