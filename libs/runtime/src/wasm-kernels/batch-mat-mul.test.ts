import * as tf from '@tensorflow/tfjs-core';
import { expectClose, randomValues, runKernelOn, seededRandom, setUpBackends } from './test-utils';

beforeAll(() => setUpBackends());

// [a batch dims, b batch dims, m, k, n]: plain 2-D, shared b (folded into rows), batched,
// broadcast either way and over two axes; small products (JS loop) and large ones (XNNPACK).
const SHAPES: [number[], number[], number, number, number][] = [
  [[], [], 7, 5, 6],
  [[], [], 40, 50, 45],
  [[3], [], 6, 5, 4],
  [[3], [3], 6, 5, 4],
  [[3], [3], 40, 33, 41],
  [[1], [4], 5, 6, 7],
  [[2, 1], [1, 3], 4, 5, 6],
  [[2, 1], [1, 3], 33, 34, 35],
];
const CASES = SHAPES.flatMap((s) =>
  [false, true].flatMap((transposeA) => [false, true].map((transposeB) => ({ s, transposeA, transposeB }))),
);

describe('BatchMatMul on wasm matches cpu', () => {
  it.each(CASES.map((c) => [JSON.stringify(c), c] as const))('%s', async (_, { s, transposeA, transposeB }) => {
    const [batchA, batchB, m, k, n] = s;
    const aShape = [...batchA, ...(transposeA ? [k, m] : [m, k])];
    const bShape = [...batchB, ...(transposeB ? [n, k] : [k, n])];
    const random = seededRandom(19);
    const a = { values: randomValues(tf.util.sizeFromShape(aShape), random), shape: aShape };
    const b = { values: randomValues(tf.util.sizeFromShape(bShape), random), shape: bShape };
    // Reference: cpu on operands with the batch broadcast made explicit (cpu's own kernel
    // mis-sizes the output when both operands broadcast, e.g. [2,1] × [1,3]).
    const batch = tf.broadcast_util.assertAndGetBroadcastShape(batchA, batchB);
    await tf.setBackend('cpu');
    const [aFull, bFull] = [a, b].map(({ values, shape }) => {
      const full = tf.tidy(() => tf.broadcastTo(tf.tensor(values, shape), [...batch, ...shape.slice(-2)]));
      const out = { values: full.dataSync() as Float32Array, shape: full.shape };
      full.dispose();
      return out;
    });
    const want = await runKernelOn('cpu', 'BatchMatMul', { a: aFull!, b: bFull! }, { transposeA, transposeB });
    const got = await runKernelOn('wasm', 'BatchMatMul', { a, b }, { transposeA, transposeB });
    expect(got.shape).toEqual(want.shape);
    expectClose(got.values, want.values, 1e-5, 'matmul');
  });
});
