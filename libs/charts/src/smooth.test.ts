import { movingAverage } from './smooth';

describe('movingAverage', () => {
  it('averages a centred window that shrinks at the ends', () => {
    expect(movingAverage([1, 2, 3, 4, 5], 3)).toEqual([1.5, 2, 3, 4, 4.5]);
    // Even window: one more point after than before.
    expect(movingAverage([0, 0, 4, 0], 2)).toEqual([0, 2, 2, 0]);
  });

  it('turns noise into its mean', () => {
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : 3));
    for (const v of movingAverage(noisy, 20).slice(10, 190)) expect(v).toBeCloseTo(2, 9);
  });

  it('leaves non-finite values out of the averages and keeps them as gaps', () => {
    expect(movingAverage([1, NaN, 3, Infinity, 5], 3)).toEqual([1, NaN, 3, Infinity, 5]);
    expect(movingAverage([2, NaN, 4, 6], 5)).toEqual([3, NaN, 4, 5]);
  });

  it('is the identity for window ≤ 1', () => {
    expect(movingAverage([3, 1, 2], 1)).toEqual([3, 1, 2]);
    expect(movingAverage([], 5)).toEqual([]);
  });
});
