import * as tf from '@tensorflow/tfjs-core';
import { expectClose, randomValues, runKernelOn, seededRandom, setUpBackends } from './test-utils';

beforeAll(() => setUpBackends());

function input(shape: number[], dtype: 'float32' | 'int32', random: () => number) {
  const values = randomValues(tf.util.sizeFromShape(shape), random);
  return dtype === 'int32' ? { values: new Int32Array(values.map((v) => Math.round(v * 100))), shape, dtype } : { values, shape };
}

describe('Slice on wasm matches cpu', () => {
  const cases = [
    { shape: [10], begin: [3], size: [5] },
    { shape: [6, 7], begin: [1, 2], size: [4, 3] },
    { shape: [6, 7], begin: [2, 0], size: [3, 7] },
    { shape: [2, 9, 8, 5], begin: [0, 1, 1, 0], size: [2, 7, 6, 5] },
    { shape: [2, 9, 8, 5], begin: [1, 0, 0, 2], size: [1, 9, 8, 3] },
    { shape: [2, 3, 4, 5, 6], begin: [0, 1, 0, 2, 1], size: [2, 2, 4, 3, 4] },
    { shape: [4, 5], begin: [0, 0], size: [0, 5] },
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_, c) => {
    const random = seededRandom(21);
    for (const dtype of ['float32', 'int32'] as const) {
      const x = input(c.shape, dtype, random);
      const want = await runKernelOn('cpu', 'Slice', { x }, { begin: c.begin, size: c.size });
      const got = await runKernelOn('wasm', 'Slice', { x }, { begin: c.begin, size: c.size });
      expect(got.shape).toEqual(want.shape);
      expectClose(got.values, want.values, 0, dtype);
    }
  });

  it('slices bool tensors', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([true, false, true, true, false, false], [2, 3], 'bool');
    const y = tf.slice(x, [0, 1], [2, 2]);
    expect(Array.from(y.dataSync())).toEqual([0, 1, 0, 0]);
    tf.dispose([x, y]);
  });
});

describe('SplitV and Concat on wasm match cpu', () => {
  it.each([
    { shape: [2, 5, 6, 7], splits: [2, 3, 2], axis: 3 },
    { shape: [6, 4], splits: 3, axis: 0 },
    { shape: [3, 8, 2], splits: [5, 0, 3], axis: 1 },
  ].map((c) => [JSON.stringify(c), c] as const))('split %s', async (_, c) => {
    const x = input(c.shape, 'float32', seededRandom(22));
    await tf.setBackend('cpu');
    const want = tf.split(tf.tensor(x.values, c.shape), c.splits, c.axis).map((t) => ({ shape: t.shape, values: t.dataSync() }));
    await tf.setBackend('wasm');
    const pieces = tf.split(tf.tensor(x.values, c.shape), c.splits, c.axis);
    pieces.forEach((t, i) => {
      expect(t.shape).toEqual(want[i]!.shape);
      expectClose(t.dataSync(), want[i]!.values, 0, `piece ${i}`);
    });
    tf.dispose(pieces);
  });

  it.each([
    { shapes: [[2, 3, 4], [2, 5, 4], [2, 1, 4]], axis: 1 },
    { shapes: [[2, 3, 4], [2, 3, 7]], axis: 2 },
    { shapes: [[3, 4], [2, 4], [0, 4]], axis: 0 },
    { shapes: [[5], [2]], axis: 0 },
  ].map((c) => [JSON.stringify(c), c] as const))('concat %s', async (_, c) => {
    const random = seededRandom(23);
    for (const dtype of ['float32', 'int32'] as const) {
      const inputs = c.shapes.map((shape) => input(shape, dtype, random));
      const results: { shape: number[]; values: ArrayLike<number> }[] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await tf.setBackend(backend);
        const tensors = inputs.map((t) => tf.tensor(t.values, t.shape, t.dtype ?? 'float32'));
        const joined = tf.concat(tensors, c.axis);
        results.push({ shape: joined.shape, values: joined.dataSync() });
        tf.dispose([...tensors, joined]);
      }
      expect(results[1]!.shape).toEqual(results[0]!.shape);
      expectClose(results[1]!.values, results[0]!.values, 0, dtype);
    }
  });
});

describe('gradients through pad, slice and concat on wasm match cpu', () => {
  it('agree', async () => {
    const xValues = randomValues(2 * 6 * 5 * 3, seededRandom(24));
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      const g = tf.tidy(() => {
        const x = tf.tensor4d(xValues, [2, 6, 5, 3]);
        return tf.grad((v: tf.Tensor) => {
          const padded = tf.pad(v, [[0, 0], [1, 2], [2, 1], [0, 0]]);
          const cropped = tf.slice(padded, [0, 1, 0, 1], [2, 7, 7, 2]);
          const joined = tf.concat([cropped, tf.square(cropped)], 3);
          return tf.sum(tf.mul(joined, tf.range(0, joined.size).reshape(joined.shape)));
        })(x);
      });
      grads.push(g.dataSync() as Float32Array);
      g.dispose();
    }
    expectClose(grads[1]!, grads[0]!, 1e-5, 'gradient');
  });
});
