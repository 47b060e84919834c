import * as tf from '@tensorflow/tfjs-core';
import { expectClose, randomValues, runKernelOn, seededRandom, setUpBackends } from './test-utils';

beforeAll(() => setUpBackends());

describe('Tile on wasm matches cpu', () => {
  const cases = [
    { shape: [5], reps: [3] },
    { shape: [3, 4], reps: [2, 1] },
    { shape: [3, 4], reps: [1, 3] },
    { shape: [2, 3, 5], reps: [2, 3, 2] },
    { shape: [2, 1, 3, 4], reps: [1, 5, 1, 2] },
    { shape: [1, 2, 1, 2, 3], reps: [2, 1, 3, 1, 2] },
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_, c) => {
    const random = seededRandom(18);
    const values = randomValues(tf.util.sizeFromShape(c.shape), random);
    for (const dtype of ['float32', 'int32'] as const) {
      const x = dtype === 'int32' ? { values: new Int32Array(values.map((v) => Math.round(v * 50))), shape: c.shape, dtype } : { values, shape: c.shape };
      const want = await runKernelOn('cpu', 'Tile', { x }, { reps: c.reps });
      const got = await runKernelOn('wasm', 'Tile', { x }, { reps: c.reps });
      expect(got.shape).toEqual(want.shape);
      expectClose(got.values, want.values, 0, dtype);
    }
  });
});

describe('string tensors (the wasm Tile aborts on them)', () => {
  it('tile like cpu', async () => {
    const results: unknown[][] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      const x = tf.tensor2d([['a', 'b', 'c'], ['d', 'e', 'f']]);
      const outs = [tf.tile(x, [2, 1]), tf.tile(x, [1, 2]), tf.tile(tf.tensor1d(['p', 'q']), [3])];
      results.push(outs.map((t) => t.arraySync()));
      tf.dispose([x, ...outs]);
    }
    expect(results[1]).toEqual(results[0]);
  });
});
