import { formatNumber, linearScale, log10Scale, log2Scale, logTicks, niceStep, niceTicks, tickDecimals } from './axis';

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

describe('log10 axis', () => {
  it('spaces decades evenly', () => {
    const y = log10Scale(0.01, 10, 300, 0);
    expect(y(0.01)).toBeCloseTo(300, 9);
    expect(y(0.1)).toBeCloseTo(200, 9);
    expect(y(1)).toBeCloseTo(100, 9);
    expect(y(10)).toBeCloseTo(0, 9);
    expect(() => log10Scale(-1, 10, 0, 1)).toThrow(/positive/);
  });

  it('snaps narrow spans to 1-2-5 limits and labels every 1-2-5 value', () => {
    const t = logTicks(0.3, 1.5);
    expect(t.min).toBe(0.2);
    expect(t.max).toBe(2);
    expect(t.values).toEqual([0.2, 0.5, 1, 2]);
  });

  it('labels wide spans at powers of ten plus the limits', () => {
    const t = logTicks(0.012, 2.6);
    expect(t.min).toBe(0.01);
    expect(t.max).toBe(5);
    expect(t.values).toEqual([0.01, 0.1, 1, 5]);
    expect(logTicks(0.0011, 1.9).values).toEqual([0.001, 0.01, 0.1, 1, 2]);
    expect(logTicks(3e-5, 40).values).toEqual([2e-5, 1e-4, 0.001, 0.01, 0.1, 1, 10, 50]);
  });

  it('keeps limits that are ticks and widens a single value', () => {
    expect(logTicks(0.1, 1)).toMatchObject({ min: 0.1, max: 1 });
    const t = logTicks(1, 1);
    expect(t.min).toBe(0.5);
    expect(t.max).toBe(2);
    expect(() => logTicks(0, 1)).toThrow(/positive/);
  });
});

describe('formatNumber', () => {
  it('prints short labels without float noise, exponents only for extremes', () => {
    expect(formatNumber(16)).toBe('16');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(0.0005)).toBe('0.0005');
    expect(formatNumber(1e-5)).toBe('1E-5');
    expect(formatNumber(2.5e7)).toBe('2.5E+7');
    expect(formatNumber(0)).toBe('0');
  });
});
