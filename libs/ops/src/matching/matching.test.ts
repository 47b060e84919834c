import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@kestrel/runtime';
import { Matcher, subsampleLabels, type QualityMatrix } from '../index';
import { initTestBackends } from '../testing/backends';

beforeAll(initTestBackends);

const matrix = (rows: number[][]): QualityMatrix => ({
  values: Float32Array.from(rows.flat()),
  rows: rows.length,
  cols: rows[0]?.length ?? 0,
});

describe('Matcher (detectron2 RPN settings: [0.3, 0.7], labels [0, −1, 1])', () => {
  // Rows: ground truth; columns: predictions.
  const quality = matrix([
    [0.9, 0.5, 0.1, 0.0, 0.6, 0.3],
    [0.2, 0.65, 0.65, 0.0, 0.6, 0.7],
  ]);

  it('labels by threshold interval and matches the best ground truth (first on ties)', () => {
    const matcher = new Matcher({ thresholds: [0.3, 0.7], labels: [0, -1, 1] });
    const { matches, labels } = matcher.match(quality);
    // p0: 0.9 → 1; p1, p2: 0.65 → ignore; p3: 0 → bg; p4: 0.6 tied between GT 0 and 1 → GT 0, ignore;
    // p5: exactly 0.7 → positive (intervals are [low, high)).
    expect(Array.from(matches)).toEqual([0, 1, 1, 0, 0, 1]);
    expect(Array.from(labels)).toEqual([1, -1, -1, 0, -1, 1]);
  });

  it('adds low-quality matches for every prediction tied at a ground truth’s best IoU', () => {
    const matcher = new Matcher({ thresholds: [0.3, 0.7], labels: [0, -1, 1], allowLowQualityMatches: true });
    const { matches, labels } = matcher.match(quality);
    // GT 1's best IoU is 0.7 (p5) — already positive. Make a case where the best is below 0.7:
    expect(Array.from(labels)).toEqual([1, -1, -1, 0, -1, 1]);
    const tied = matcher.match(
      matrix([
        [0.9, 0.5, 0.1, 0.0],
        [0.2, 0.65, 0.65, 0.0],
      ]),
    );
    // GT 1's best is 0.65, reached by p1 and p2: both become positive; matches stay the argmax.
    expect(Array.from(tied.labels)).toEqual([1, 1, 1, 0]);
    expect(Array.from(tied.matches)).toEqual([0, 1, 1, 0]);
    expect(Array.from(matches)).toEqual([0, 1, 1, 0, 0, 1]);
  });

  it('follows detectron2 when a ground truth overlaps nothing (its IoU-0 predictions become positive) unless a minimum is set', () => {
    const q = matrix([
      [0.8, 0.0],
      [0.0, 0.0],
    ]);
    const d2 = new Matcher({ thresholds: [0.3, 0.7], labels: [0, -1, 1], allowLowQualityMatches: true });
    expect(Array.from(d2.match(q).labels)).toEqual([1, 1]);
    const mmdet = new Matcher({ thresholds: [0.3, 0.7], labels: [0, -1, 1], allowLowQualityMatches: true, lowQualityMinIoU: 0.3 });
    expect(Array.from(mmdet.match(q).labels)).toEqual([1, 0]);
  });

  it('labels everything background when there is no ground truth', () => {
    const matcher = new Matcher({ thresholds: [0.5], labels: [0, 1], allowLowQualityMatches: false });
    const { matches, labels } = matcher.match({ values: new Float32Array(0), rows: 0, cols: 3 });
    expect(Array.from(labels)).toEqual([0, 0, 0]);
    expect(Array.from(matches)).toEqual([0, 0, 0]);
  });

  it('accepts a tensor and the RoI-head setting [0.5] → [0, 1]', () => {
    const matcher = new Matcher({ thresholds: [0.5], labels: [0, 1] });
    const quality = tf.tensor2d([[0.5, 0.49, 0.2]]);
    expect(Array.from(matcher.match(quality).labels)).toEqual([1, 0, 0]);
    quality.dispose();
  });

  it('validates its configuration', () => {
    expect(() => new Matcher({ thresholds: [0.7, 0.3], labels: [0, -1, 1] })).toThrow(/increasing/);
    expect(() => new Matcher({ thresholds: [0.5], labels: [0, -1, 1] })).toThrow(/labels/);
  });
});

describe('subsampleLabels (detectron2 balanced sampler)', () => {
  /** Labels with the given counts of positives (1), negatives (0) and ignored (−1), interleaved. */
  const makeLabels = (pos: number, neg: number, ignore: number): Int32Array => {
    const labels = [...Array(pos).fill(1), ...Array(neg).fill(0), ...Array(ignore).fill(-1)];
    return Int32Array.from(new Rng(99).shuffle(labels));
  };

  it('takes up to numSamples·positiveFraction positives and fills with negatives', () => {
    const rng = new Rng(1);
    const few = subsampleLabels(makeLabels(10, 1000, 50), { numSamples: 256, positiveFraction: 0.5, bgLabel: 0 }, rng);
    expect([few.positive.length, few.negative.length]).toEqual([10, 246]);
    const many = subsampleLabels(makeLabels(200, 1000, 50), { numSamples: 256, positiveFraction: 0.5, bgLabel: 0 }, rng);
    expect([many.positive.length, many.negative.length]).toEqual([128, 128]);
    const scarceNegatives = subsampleLabels(makeLabels(300, 20, 0), { numSamples: 512, positiveFraction: 0.25, bgLabel: 0 }, rng);
    expect([scarceNegatives.positive.length, scarceNegatives.negative.length]).toEqual([128, 20]);
  });

  it('treats class labels with a background index like the RoI heads do', () => {
    // 3 classes: 0..2 foreground, 3 background, −1 ignored.
    const labels = Int32Array.from([0, 3, 2, -1, 3, 1, 3]);
    const { positive, negative } = subsampleLabels(labels, { numSamples: 4, positiveFraction: 0.25, bgLabel: 3 }, new Rng(5));
    expect(positive.length).toBe(1);
    expect([0, 2, 5]).toContain(positive[0]);
    expect(Array.from(negative)).toEqual([1, 4, 6]);
  });

  it('returns distinct, sorted indices of the right kind, reproducibly from the seed', () => {
    const labels = makeLabels(300, 3000, 100);
    const options = { numSamples: 256, positiveFraction: 0.5, bgLabel: 0 };
    const a = subsampleLabels(labels, options, new Rng(42));
    const b = subsampleLabels(labels, options, new Rng(42));
    const c = subsampleLabels(labels, options, new Rng(43));
    expect(a).toEqual(b);
    expect(Array.from(a.positive)).not.toEqual(Array.from(c.positive));
    for (const [indices, label] of [[a.positive, 1], [a.negative, 0]] as const) {
      expect(new Set(indices).size).toBe(indices.length);
      expect(Array.from(indices).every((i) => labels[i] === label)).toBe(true);
      expect(Array.from(indices)).toEqual(Array.from(indices).sort((x, y) => x - y));
    }
  });

  it('samples uniformly', () => {
    const labels = Int32Array.from([1, 1, 1, 1, 0]);
    const counts = [0, 0, 0, 0];
    const rng = new Rng(3);
    for (let t = 0; t < 4000; t++) {
      counts[subsampleLabels(labels, { numSamples: 2, positiveFraction: 0.5, bgLabel: 0 }, rng).positive[0]!]!++;
    }
    // Each of 4 positives: 1000 expected, std ≈ 27; allow 5σ.
    for (const n of counts) expect(Math.abs(n - 1000)).toBeLessThan(140);
  });
});
