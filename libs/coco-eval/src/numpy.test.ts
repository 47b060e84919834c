import { defaultIouThresholds, defaultRecallThresholds } from './params';
import { linspace, meanAboveMinusOne, npMean, npSum, NUMPY_BUFSIZE, pairwiseSum } from './numpy';

describe('linspace (numpy arithmetic: i * step + start, last = stop)', () => {
  it("gives pycocotools' IoU thresholds, one of which is 0.8999999999999999", () => {
    expect(Array.from(defaultIouThresholds())).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
  });

  it('gives recall thresholds that differ from i / 100 exactly at i = 35, 41, 47, 57, 69, 70, 82, 83, 94, 95', () => {
    const r = defaultRecallThresholds();
    expect(r).toHaveLength(101);
    expect([...r.keys()].filter((i) => r[i] !== i / 100)).toEqual([35, 41, 47, 57, 69, 70, 82, 83, 94, 95]);
    expect(r[100]).toBe(1);
  });

  it('handles num = 1 and num = 0', () => {
    expect(Array.from(linspace(2, 3, 1))).toEqual([2]);
    expect(linspace(2, 3, 0)).toHaveLength(0);
  });
});

describe('pairwiseSum (numpy pairwise summation)', () => {
  const big = 2 ** 53;

  it('adds fewer than 8 values in order, starting from 0', () => {
    const a = [big, 1, 1, 1];
    expect(pairwiseSum(a)).toBe(((big + 1 + 1) + 1));
    expect(pairwiseSum(a)).toBe(big); // each +1 is lost against 2^53
  });

  it('uses eight interleaved accumulators for 8..128 values, then adds the rest in order', () => {
    const a = [big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2];
    const r = Array.from({ length: 8 }, (_, j) => a[j]! + a[j + 8]!);
    const expected = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!)) + a[16]!;
    expect(pairwiseSum(a)).toBe(expected);
    expect(pairwiseSum(a)).toBe(big + 16); // a left-to-right sum would lose every 1
    expect(a.reduce((s, v) => s + v, 0)).toBe(big + 2);
  });

  it('splits more than 128 values at half the length rounded down to a multiple of 8', () => {
    const a = Array.from({ length: 300 }, (_, i) => 1 / (i + 1));
    expect(pairwiseSum(a)).toBe(pairwiseSum(a, 0, 144) + pairwiseSum(a, 144, 156));
  });
});

describe('npSum / npMean (numpy 1.24: pairwise sums of 8192-element chunks, added in order)', () => {
  it('sums chunk by chunk', () => {
    const a = Array.from({ length: 20000 }, (_, i) => Math.sin(i) * 1e3);
    expect(NUMPY_BUFSIZE).toBe(8192);
    const expected = 0 + pairwiseSum(a, 0, 8192) + pairwiseSum(a, 8192, 8192) + pairwiseSum(a, 16384, 20000 - 16384);
    expect(npSum(a)).toBe(expected);
    expect(npMean(a)).toBe(expected / 20000);
  });

  it('meanAboveMinusOne drops -1 entries and gives -1 when nothing is left', () => {
    expect(meanAboveMinusOne([-1, 0.5, -1, 1])).toBe(0.75);
    expect(meanAboveMinusOne([-1, -1])).toBe(-1);
    expect(meanAboveMinusOne([])).toBe(-1);
  });
});
