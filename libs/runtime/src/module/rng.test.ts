import { Rng, type RngState } from './rng';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe('Rng', () => {
  it('matches the xoshiro128** reference implementation', () => {
    // First outputs of Blackman & Vigna's reference xoshiro128starstar.c from state {1, 2, 3, 4}
    // (compiled and run with gcc).
    const rng = Rng.fromState({ algorithm: 'xoshiro128**', seed: 0, path: [], words: [1, 2, 3, 4], spareNormal: null });
    expect(draws(rng, 10)).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    expect(draws(new Rng(42), 100)).toEqual(draws(new Rng(42), 100));
    expect(draws(new Rng(42), 100)).not.toEqual(draws(new Rng(43), 100));
    // Seeds above 2^32 use their high bits too.
    expect(draws(new Rng(2 ** 32 + 1), 10)).not.toEqual(draws(new Rng(1), 10));
    expect(() => new Rng(-1)).toThrow(/non-negative safe integer/);
    expect(() => new Rng(1.5)).toThrow(/non-negative safe integer/);
  });

  it('forks streams that depend on seed and name only', () => {
    const root = new Rng(7);
    const a1 = draws(root.fork('backbone'), 50);
    draws(root, 1000); // consuming the parent must not shift children
    expect(draws(root.fork('backbone'), 50)).toEqual(a1);
    expect(draws(root.fork('head'), 50)).not.toEqual(a1);
    expect(draws(new Rng(8).fork('backbone'), 50)).not.toEqual(a1);
    expect(draws(root.fork('backbone').fork('layer1'), 50)).toEqual(draws(new Rng(7, ['backbone', 'layer1']), 50));
    expect(draws(root.fork('a').fork('bc'), 20)).not.toEqual(draws(root.fork('ab').fork('c'), 20));
    expect(root.fork('x').fork('y').path).toEqual(['x', 'y']);
  });

  it('round-trips its state through JSON, including a pending normal', () => {
    const rng = new Rng(3).fork('data');
    draws(rng, 17);
    rng.normal(); // leaves the Box–Muller spare pending
    const saved = JSON.parse(JSON.stringify(rng.state())) as RngState;
    const expected = [rng.normal(), rng.random(), rng.integer(0, 1000), rng.normal()];
    const restored = Rng.fromState(saved);
    expect([restored.normal(), restored.random(), restored.integer(0, 1000), restored.normal()]).toEqual(expected);

    const sameStream = new Rng(3).fork('data');
    sameStream.setState(saved);
    expect(sameStream.normal()).toBe(expected[0]);
    expect(() => new Rng(4).setState(saved)).toThrow(/state belongs to seed 3/);
    expect(() => Rng.fromState({ ...saved, words: [1, 2, 3] as unknown as [number, number, number, number] })).toThrow(
      /four unsigned 32-bit integers/,
    );
  });

  it('draws uniform doubles in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = new Rng(11);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.random();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumSq += u * u;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    expect(outside).toBe(0);
    // Standard error of the mean is sqrt(1/12/n) ≈ 6.5e-4; allow 5 of them.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12) / (1 / 12)).toBeLessThan(0.02);
    const r = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const v = r.uniform(-2, 3);
      expect(v >= -2 && v <= 3).toBe(true);
    }
  });

  it('draws standard normals with the right first four moments', () => {
    const rng = new Rng(12);
    const n = 200_000;
    let m1 = 0;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      m1 += z;
      m2 += z * z;
      m3 += z ** 3;
      m4 += z ** 4;
    }
    expect(Math.abs(m1 / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m3 / n)).toBeLessThan(5 * Math.sqrt(15 / n));
    expect(Math.abs(m4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    const shifted = new Rng(12);
    const plain = new Rng(12);
    expect(shifted.normal(10, 2)).toBe(10 + 2 * plain.normal());
  });

  it('draws unbiased integers in [low, high)', () => {
    const rng = new Rng(5);
    const counts = new Array<number>(7).fill(0);
    const n = 70_000;
    for (let i = 0; i < n; i++) counts[rng.integer(-3, 4) + 3]! += 1;
    // A value outside [-3, 4) would have landed outside slots 0..6 and left the sum short of n.
    expect(counts).toHaveLength(7);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    // Chi-square with 6 degrees of freedom: P(X > 22.46) = 0.001.
    const expected = n / 7;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(22.46);
    expect(() => rng.integer(3, 3)).toThrow(RangeError);
    expect(() => rng.integer(0, 2 ** 33)).toThrow(/exceeds 2\^32/);
  });

  it('shuffles into a permutation, reproducibly', () => {
    const p = new Rng(9).permutation(100);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(new Rng(9).permutation(100)).toEqual(p);
    expect(new Rng(9).shuffle(['a', 'b', 'c', 'd'])).toEqual(new Rng(9).shuffle(['a', 'b', 'c', 'd']));
  });
});
