import { meanStd, top1Accuracy } from './metric';

describe('top1Accuracy', () => {
  it('counts argmax hits', () => {
    const logits = [
      [0.1, 0.9, 0.0], // 1
      [2, 1, 0], // 0
      [0, 0, 5], // 2
      [1, 3, 2], // 1
    ].flat();
    expect(top1Accuracy(logits, [1, 0, 2, 2], 3)).toBeCloseTo(0.75, 12);
    expect(top1Accuracy(logits, [1, 0, 2, 1], 3)).toBe(1);
  });

  it('breaks ties towards the lower class, and NaN logits predict class 0', () => {
    expect(top1Accuracy([1, 1, 0], [0], 3)).toBe(1);
    expect(top1Accuracy([NaN, NaN, NaN, NaN, NaN, NaN], [0, 1], 3)).toBe(0.5);
  });

  it('checks shapes', () => {
    expect(() => top1Accuracy([1, 2, 3], [0, 1], 3)).toThrow(/expected 2×3 logits/);
    expect(() => top1Accuracy([], [], 3)).toThrow(/zero examples/);
  });
});

describe('meanStd', () => {
  it('returns the mean and the sample standard deviation', () => {
    const { mean, std } = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(mean).toBeCloseTo(5, 12);
    expect(std).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('gives std 0 for one value', () => {
    expect(meanStd([81.5])).toEqual({ mean: 81.5, std: 0 });
  });
});
