import * as tf from '@tensorflow/tfjs-core';
import { ROIPooler, assignBoxesToLevels } from '../index';
import { expectClose, initTestBackends, TEST_BACKENDS, useBackend } from '../testing/backends';

beforeAll(initTestBackends);

/** A square box of side `size` with its top-left corner at (x, y). */
const square = (size: number, x = 8, y = 8): number[] => [x, y, x + size, y + size];

describe('assignBoxesToLevels (FPN Eqn. 1, detectron2)', () => {
  const levels = { minLevel: 2, maxLevel: 5 };

  it('puts a 224² box on level 4 and moves one level per factor 2 in size', () => {
    const boxes = [square(224), square(112), square(448), square(56), square(223.9), square(111.9), square(447.9)];
    // floor(4 + log2(s / 224)): 224 → 4, 112 → 3, 448 → 5, 56 → 2, just below a boundary → one level lower.
    expect(Array.from(assignBoxesToLevels(boxes, levels))).toEqual([4, 3, 5, 2, 3, 2, 4].map((l) => l - 2));
  });

  it('clamps to [minLevel, maxLevel]', () => {
    const boxes = [square(1000), square(10), [5, 5, 5, 5], [0, 0, 1, 900]];
    // sqrt(1·900) = 30 → floor(4 + log2(30/224)) = floor(1.10) → clamped to 2.
    expect(Array.from(assignBoxesToLevels(boxes, levels))).toEqual([3, 0, 0, 0]);
  });

  it('honours a different canonical size and level', () => {
    const boxes = [square(100), square(50)];
    const result = assignBoxesToLevels(boxes, { minLevel: 3, maxLevel: 6, canonicalBoxSize: 100, canonicalLevel: 5 });
    expect(Array.from(result)).toEqual([2, 1]);
  });
});

describe.each(TEST_BACKENDS)('ROIPooler on %s', (backend) => {
  useBackend(backend);

  // Level l (P2..P5) of image i is the constant 10·l + 100·i + channel, so each pooled value
  // names the level and image it came from.
  const image = 256;
  const strides = [4, 8, 16, 32];
  const makePyramid = (): tf.Tensor4D[] =>
    strides.map((stride, i) =>
      tf.tidy(() => {
        const level = i + 2;
        const side = image / stride;
        const perImage = [0, 1].map((img) =>
          tf.add(tf.zeros([1, side, side, 2]), tf.tensor1d([10 * level + 100 * img, 10 * level + 100 * img + 1])),
        );
        return tf.concat(perImage, 0) as tf.Tensor4D;
      }),
    );

  it('pools each box from its assigned level and returns rows in input order', () => {
    const pyramid = makePyramid();
    const pooler = new ROIPooler({ outputSize: 2, scales: strides.map((s) => 1 / s), samplingRatio: 2 });
    const image0 = [square(112, 20, 30), square(40), square(230, 10, 10)]; // levels 3, 2, 4
    const image1 = [square(250, 0, 0), square(60, 100, 100)]; // levels 4, 2
    const out = pooler.pool(pyramid, [image0, image1]);
    expect(out.shape).toEqual([5, 2, 2, 2]);
    const values = out.dataSync();
    const expectedBase = [30, 20, 40, 140, 120];
    const expected = expectedBase.flatMap((v) => [v, v + 1, v, v + 1, v, v + 1, v, v + 1]);
    expectClose(values, expected);
    tf.dispose([out, ...pyramid]);
  });

  it('routes the gradient to the level each box was pooled from', () => {
    const pyramid = makePyramid();
    const pooler = new ROIPooler({ outputSize: 7, scales: strides.map((s) => 1 / s) });
    const boxes = [[square(112, 20, 30), square(40), square(60, 100, 100)], [square(230, 10, 10)]];
    const grads = tf.grads((...levels: tf.Tensor[]) => tf.sum(pooler.pool(levels as tf.Tensor4D[], boxes)))(pyramid);
    // Inside the map a bin's bilinear weights sum to 1, so each level's gradient sums to
    // (boxes on it) · 7 · 7 · 2 channels; image 1's box lands only in image 1's half.
    const sums = grads.map((g) => tf.tidy(() => tf.sum(g).dataSync()[0]!));
    expectClose(sums, [2 * 98, 98, 98, 0], 1e-3);
    const p4 = grads[2]!;
    const image1Sum = tf.tidy(() => tf.sum(tf.slice(p4, [1, 0, 0, 0], [1, -1, -1, -1])).dataSync()[0]!);
    expect(image1Sum).toBeCloseTo(98, 3);
    tf.dispose([...grads, ...pyramid]);
  });

  it('pools every box from the only map when given one level (no assignment)', () => {
    const pyramid = makePyramid();
    const pooler = new ROIPooler({ outputSize: 1, scales: [1 / 16], samplingRatio: 1 });
    const out = pooler.pool([pyramid[2]!], [[square(20), square(250, 0, 0)], [square(100)]]);
    expectClose(out.dataSync(), [40, 41, 40, 41, 140, 141]);
    tf.dispose([out, ...pyramid]);
  });

  it('rejects scales that are not a pyramid', () => {
    expect(() => new ROIPooler({ scales: [1 / 4, 1 / 16] })).toThrow(/pyramid/);
    expect(() => new ROIPooler({ scales: [1 / 3] })).toThrow(/powers of 2/);
  });
});
