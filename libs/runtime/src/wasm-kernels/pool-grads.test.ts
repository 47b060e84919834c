import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { expectClose, randomValues, runKernelOn, seededRandom, setUpBackends, type Input } from './test-utils';

interface Case {
  x: [number, number, number, number];
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
}

const CASES: Case[] = [
  { x: [2, 9, 9, 4], filterSize: 3, strides: 2, pad: 'same' },
  { x: [1, 8, 10, 3], filterSize: 3, strides: 2, pad: 1 },
  { x: [2, 8, 8, 5], filterSize: 2, strides: 2, pad: 'valid' },
  { x: [1, 7, 9, 3], filterSize: 3, strides: 1, pad: 'same' },
  { x: [2, 11, 7, 2], filterSize: [3, 2], strides: [2, 1], pad: 'valid' },
  { x: [1, 6, 6, 33], filterSize: 3, strides: 2, pad: 'same' },
];

const name = (c: Case) => `x ${c.x} filter ${c.filterSize} strides ${c.strides} pad ${c.pad}`;

async function compare(kernel: 'MaxPoolGrad' | 'AvgPoolGrad', c: Case, xValues: Float32Array): Promise<void> {
  const info = backend_util.computePool2DInfo(c.x, c.filterSize, c.strides, 1, c.pad);
  const random = seededRandom(8);
  const dy = { values: randomValues(tf.util.sizeFromShape(info.outShape), random), shape: info.outShape };
  const input = { values: xValues, shape: c.x };
  await tf.setBackend('cpu');
  const y = tf.tidy(() => tf.maxPool(tf.tensor(xValues, c.x) as tf.Tensor4D, c.filterSize, c.strides, c.pad));
  const output = { values: y.dataSync() as Float32Array, shape: y.shape };
  y.dispose();
  const inputs: Record<string, Input> = kernel === 'MaxPoolGrad' ? { dy, input, output } : { dy, input };
  const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
  const want = await runKernelOn('cpu', kernel, inputs, attrs);
  const got = await runKernelOn('wasm', kernel, inputs, attrs);
  expect(got.shape).toEqual(c.x);
  expectClose(got.values, want.values, 1e-5, `${kernel} ${name(c)}`);
}

beforeAll(() => setUpBackends());

describe('pooling gradients on wasm match cpu', () => {
  it.each(CASES.map((c) => [name(c), c] as const))('MaxPoolGrad %s', async (_, c) => {
    await compare('MaxPoolGrad', c, randomValues(tf.util.sizeFromShape(c.x), seededRandom(7)));
  });

  it('MaxPoolGrad breaks ties like cpu (first maximum in the window)', async () => {
    const c = CASES[0]!;
    const random = seededRandom(9);
    const ties = new Float32Array(tf.util.sizeFromShape(c.x)).map(() => Math.floor(random() * 3));
    await compare('MaxPoolGrad', c, ties);
  });

  it.each(CASES.map((c) => [name(c), c] as const))('AvgPoolGrad %s', async (_, c) => {
    await compare('AvgPoolGrad', c, randomValues(tf.util.sizeFromShape(c.x), seededRandom(10)));
  });
});
