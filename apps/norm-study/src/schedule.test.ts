import { commonImageCount, lrFactor, scaledLr, stepsFor } from './schedule';

describe('linear learning-rate scaling', () => {
  it('scales the reference rate by batch / reference batch', () => {
    expect(scaledLr(0.05, 16, 16)).toBeCloseTo(0.05, 12);
    expect(scaledLr(0.05, 1, 16)).toBeCloseTo(0.003125, 12);
    expect(scaledLr(0.05, 2, 16)).toBeCloseTo(0.00625, 12);
    expect(scaledLr(0.1, 32, 16)).toBeCloseTo(0.2, 12);
  });

  it('keeps the rate per image constant across batch sizes', () => {
    const perImage = [1, 2, 4, 8, 16].map((b) => scaledLr(0.05, b, 16) / b);
    for (const v of perImage) expect(v).toBeCloseTo(perImage[0]!, 12);
  });

  it('rejects bad arguments', () => {
    expect(() => scaledLr(0, 1, 16)).toThrow(/lr must be > 0/);
    expect(() => scaledLr(0.1, 0, 16)).toThrow(/batch size/);
    expect(() => scaledLr(0.1, 1.5, 16)).toThrow(/batch size/);
  });
});

describe('steps and images', () => {
  it('gives every batch size the same images', () => {
    const images = commonImageCount(4000, [1, 2, 4, 8, 16]);
    expect(images).toBe(4000);
    for (const b of [1, 2, 4, 8, 16]) expect(stepsFor(images, b) * b).toBe(images);
  });

  it('rounds up to a common multiple', () => {
    expect(commonImageCount(100, [1, 2, 4, 8, 16])).toBe(112);
    expect(commonImageCount(10, [3, 4])).toBe(12);
    expect(commonImageCount(12, [3, 4])).toBe(12);
  });

  it('refuses fewer images than a batch', () => {
    expect(() => stepsFor(8, 16)).toThrow(/fewer than one batch/);
  });
});

describe('lrFactor (warm-up + cosine, in images)', () => {
  const opts = { warmupImages: 100, warmupStart: 0.1 };

  it('warms up linearly from warmupStart to 1', () => {
    expect(lrFactor(0, 1000, opts)).toBeCloseTo(0.1, 12);
    expect(lrFactor(50, 1000, opts)).toBeCloseTo(0.55, 12);
    expect(lrFactor(100, 1000, opts)).toBeCloseTo(1, 12);
  });

  it('decays along a half cosine to 0 at the end', () => {
    expect(lrFactor(550, 1000, opts)).toBeCloseTo(0.5, 12);
    expect(lrFactor(1000, 1000, opts)).toBeCloseTo(0, 12);
    expect(lrFactor(5000, 1000, opts)).toBeCloseTo(0, 12);
  });

  it('is non-increasing after the warm-up', () => {
    let previous = Infinity;
    for (let seen = 100; seen <= 1000; seen += 10) {
      const f = lrFactor(seen, 1000, opts);
      expect(f).toBeLessThanOrEqual(previous + 1e-12);
      previous = f;
    }
  });

  it('is the same function of images seen for every batch size', () => {
    // Batch 4 at step s and batch 1 at step 4s have seen the same images: same factor.
    for (const s of [0, 7, 60, 200]) expect(lrFactor(4 * s, 1000, opts)).toBe(lrFactor(s * 4, 1000, opts));
  });

  it('handles no warm-up', () => {
    expect(lrFactor(0, 1000, { warmupImages: 0 })).toBeCloseTo(1, 12);
  });
});
