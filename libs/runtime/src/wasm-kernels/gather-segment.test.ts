import * as tf from '@tensorflow/tfjs-core';
import { expectClose, randomValues, runKernelOn, seededRandom, setUpBackends } from './test-utils';

beforeAll(() => setUpBackends());

function randomIndices(count: number, limit: number, random: () => number): Int32Array {
  return new Int32Array(count).map(() => Math.floor(random() * limit));
}

describe('GatherV2 on wasm matches cpu', () => {
  const cases = [
    { x: [10, 6], indices: [7], axis: 0, batchDims: 0 },
    { x: [4, 9, 3], indices: [2, 5], axis: 1, batchDims: 0 },
    { x: [3, 5, 40], indices: [3, 4], axis: 1, batchDims: 1 },
    { x: [6, 7], indices: [12], axis: 1, batchDims: 0 },
    { x: [50, 64], indices: [200], axis: 0, batchDims: 0 },
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_, c) => {
    const random = seededRandom(15);
    for (const dtype of ['float32', 'int32'] as const) {
      const xValues = randomValues(tf.util.sizeFromShape(c.x), random);
      const x = dtype === 'int32'
        ? { values: new Int32Array(xValues.map((v) => Math.round(v * 100))), shape: c.x, dtype }
        : { values: xValues, shape: c.x };
      const indices = {
        values: randomIndices(tf.util.sizeFromShape(c.indices), c.x[c.axis]!, random),
        shape: c.indices,
        dtype: 'int32' as const,
      };
      const attrs = { axis: c.axis, batchDims: c.batchDims };
      const want = await runKernelOn('cpu', 'GatherV2', { x, indices }, attrs);
      const got = await runKernelOn('wasm', 'GatherV2', { x, indices }, attrs);
      expect(got.shape).toEqual(want.shape);
      expectClose(got.values, want.values, 0, dtype);
    }
  });

  it('throws on an index out of range', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([4, 2]);
    const indices = tf.tensor1d([1, 4], 'int32');
    expect(() => tf.gather(x, indices)).toThrow(/not in \[0, 3\]/);
    tf.dispose([x, indices]);
  });
});

describe('UnsortedSegmentSum on wasm matches cpu', () => {
  const cases = [
    { x: [12, 5], ids: [12], numSegments: 4 },
    { x: [2, 3, 4], ids: [2, 3], numSegments: 5 },
    { x: [9], ids: [9], numSegments: 3 },
  ];
  // With every id in range (the ScatterNd path) and with some −1 ids, which are dropped.
  it.each(cases.flatMap((c) => [true, false].map((dropSome) => [JSON.stringify({ ...c, dropSome }), { ...c, dropSome }] as const)))('%s', async (_, c) => {
    const random = seededRandom(16);
    const x = { values: randomValues(tf.util.sizeFromShape(c.x), random), shape: c.x };
    const ids = c.dropSome
      ? randomIndices(tf.util.sizeFromShape(c.ids), c.numSegments + 1, random).map((v) => v - 1)
      : randomIndices(tf.util.sizeFromShape(c.ids), c.numSegments, random);
    const segmentIds = { values: ids, shape: c.ids, dtype: 'int32' as const };
    // The cpu kernel takes 1-D ids only: give it the equivalent flattened problem.
    const flatX = { values: x.values, shape: [ids.length, tf.util.sizeFromShape(c.x.slice(c.ids.length))] };
    const flatIds = { values: ids, shape: [ids.length], dtype: 'int32' as const };
    const want = await runKernelOn('cpu', 'UnsortedSegmentSum', { x: flatX, segmentIds: flatIds }, { numSegments: c.numSegments });
    const got = await runKernelOn('wasm', 'UnsortedSegmentSum', { x, segmentIds }, { numSegments: c.numSegments });
    expect(got.shape).toEqual([c.numSegments, ...c.x.slice(c.ids.length)]);
    expectClose(got.values, want.values, 1e-6, 'segment sum');
  });

  it('gives the gather gradient', async () => {
    const random = seededRandom(17);
    const xValues = randomValues(30 * 8, random);
    const idx = randomIndices(50, 30, random);
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      const g = tf.tidy(() => {
        const x = tf.tensor2d(xValues, [30, 8]);
        const indices = tf.tensor1d(idx, 'int32');
        return tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.gather(v, indices))))(x);
      });
      grads.push(g.dataSync() as Float32Array);
      g.dispose();
    }
    expectClose(grads[1]!, grads[0]!, 1e-5, 'gather gradient');
  });
});
