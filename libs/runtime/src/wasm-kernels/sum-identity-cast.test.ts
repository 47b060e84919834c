import * as tf from '@tensorflow/tfjs-core';
import { expectClose, liveCounts, randomValues, runKernelOn, seededRandom, setUpBackends } from './test-utils';

beforeAll(() => setUpBackends());

describe('Sum on wasm matches cpu', () => {
  const cases = [
    { shape: [2, 5, 7, 6], axis: [0, 1, 2] },
    { shape: [2, 5, 7, 6], axis: [1, 0] },
    { shape: [9, 4], axis: 0 },
    { shape: [2, 5, 7, 6], axis: [1, 2] }, // not leading: built-in kernel
    { shape: [2, 5, 7, 6], axis: [0, 1, 2, 3] },
    { shape: [2, 64, 64, 32], axis: [0, 1, 2] }, // a long window
  ];
  it.each(cases.flatMap((c) => [true, false].map((keepDims) => [JSON.stringify({ ...c, keepDims }), { ...c, keepDims }] as const)))(
    '%s',
    async (_, c) => {
      const x = { values: randomValues(tf.util.sizeFromShape(c.shape), seededRandom(20)), shape: c.shape };
      const attrs = { axis: c.axis, keepDims: c.keepDims };
      const want = await runKernelOn('cpu', 'Sum', { x }, attrs);
      const got = await runKernelOn('wasm', 'Sum', { x }, attrs);
      expect(got.shape).toEqual(want.shape);
      expectClose(got.values, want.values, 1e-5, 'sum');
    },
  );
});

describe('Identity and Cast on wasm', () => {
  it('share data instead of copying, and free it with the last reference', async () => {
    await tf.setBackend('wasm');
    const before = liveCounts();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    const z = tf.cast(x, 'float32');
    const i = tf.cast(x, 'int32');
    expect(liveCounts().wasmData - before.wasmData).toBe(2); // x (shared by y, z) and i
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(z.dataSync())).toEqual([1, 2, 3, 4]);
    expect(i.dtype).toBe('int32');
    tf.dispose([y, z, i]);
    expect(liveCounts()).toEqual(before);
  });
});
