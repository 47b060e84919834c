import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { filterGradientConfig } from './conv2d-backprop-filter';
import {
  expectClose,
  liveCounts,
  randomValues,
  referenceConvGradients,
  runKernelOn,
  seededRandom,
  setUpBackends,
} from './test-utils';

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

// Stride 1 and 2 (and 3), same/valid/explicit/numeric padding, 1×1/3×3/5×5/7×7 filters, odd
// and non-square sizes, batch 1, 2 and 3.
const CASES: Case[] = [
  { x: [2, 8, 8, 5], filter: [1, 1, 5, 7], strides: 1, pad: 'valid' },
  { x: [1, 9, 7, 6], filter: [1, 1, 6, 4], strides: 2, pad: 'valid' },
  { x: [2, 7, 9, 3], filter: [1, 1, 3, 8], strides: 2, pad: 'same' },
  { x: [2, 9, 9, 4], filter: [3, 3, 4, 6], strides: 1, pad: 'same' },
  { x: [1, 10, 7, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'valid' },
  { x: [2, 7, 7, 4], filter: [3, 3, 4, 5], strides: 2, pad: 'same' },
  { x: [1, 8, 10, 4], filter: [3, 3, 4, 5], strides: 2, pad: 'same' },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [1, 11, 13, 3], filter: [7, 7, 3, 8], strides: 2, pad: 'same' },
  { x: [2, 12, 12, 2], filter: [7, 7, 2, 3], strides: 1, pad: 'valid' },
  { x: [1, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
  { x: [2, 8, 7, 3], filter: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] },
  { x: [1, 10, 9, 2], filter: [5, 5, 2, 3], strides: 3, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: [1, 2], pad: 1, dimRoundingMode: 'floor' },
  { x: [1, 6, 6, 40], filter: [3, 3, 40, 36], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 33], filter: [3, 3, 33, 35], strides: 2, pad: 'same' },
  { x: [3, 7, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
];

function outShape(c: Case): number[] {
  return backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, c.dimRoundingMode).outShape;
}

function describeCase(c: Case): string {
  return `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;
}

beforeAll(() => setUpBackends());

describe.each([
  ['phase planes, one chunk', { maxPlaneOverhead: Infinity, minPlaneChannels: 1, perPartMaxFloats: 0 }],
  ['phase planes, bands of rows', { maxPlaneOverhead: Infinity, minPlaneChannels: 1, chunkPositions: 40, perPartMaxFloats: 0 }],
  ['phase planes, groups of images (last one partial)', { maxPlaneOverhead: Infinity, minPlaneChannels: 1, chunkPositions: 200, perPartMaxFloats: 0 }],
  ['im2col, one block', { maxPlaneOverhead: 0 }],
  ['im2col, one block, also where planes would serve', { perPartMaxFloats: Infinity }],
])('Conv2DBackpropFilter on wasm matches cpu (%s)', (_, config) => {
  const saved = { ...filterGradientConfig };
  beforeAll(() => {
    Object.assign(filterGradientConfig, config);
  });
  afterAll(() => {
    Object.assign(filterGradientConfig, saved);
  });

  it.each(CASES.map((c) => [describeCase(c), c] as const))('%s', async (_, c) => {
    const random = seededRandom(1);
    const x = { values: randomValues(tf.util.sizeFromShape(c.x), random), shape: c.x };
    const dyShape = outShape(c);
    const dy = { values: randomValues(tf.util.sizeFromShape(dyShape), random), shape: dyShape };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, filterShape: c.filter };
    const want = await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
    const got = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
    expect(got.shape).toEqual(c.filter);
    expectClose(got.values, want.values, 1e-4, describeCase(c));
  });
});

describe('Conv2DBackpropFilter im2col blocks', () => {
  it('gives the same result when the im2col matrix is built in several blocks', async () => {
    const c = CASES[5]!;
    const random = seededRandom(2);
    const x = { values: randomValues(tf.util.sizeFromShape(c.x), random), shape: c.x };
    const dyShape = outShape(c);
    const dy = { values: randomValues(tf.util.sizeFromShape(dyShape), random), shape: dyShape };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
    const want = await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
    const saved = { ...filterGradientConfig };
    filterGradientConfig.maxPlaneOverhead = 0;
    filterGradientConfig.blockFloats = 2 * c.x[3] * dyShape[0]! * dyShape[1]! * dyShape[2]!; // two taps per block
    try {
      const got = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
      expectClose(got.values, want.values, 1e-4, 'blocked');
    } finally {
      Object.assign(filterGradientConfig, saved);
    }
  });
});

describe('Conv2DBackpropInput on wasm matches cpu', () => {
  it.each(CASES.map((c) => [describeCase(c), c] as const))('%s', async (_, c) => {
    const random = seededRandom(3);
    const filter = { values: randomValues(tf.util.sizeFromShape(c.filter), random), shape: c.filter };
    const dyShape = outShape(c);
    const dy = { values: randomValues(tf.util.sizeFromShape(dyShape), random), shape: dyShape };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, inputShape: c.x };
    const want = await runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs);
    const got = await runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs);
    expect(got.shape).toEqual(c.x);
    expectClose(got.values, want.values, 1e-4, describeCase(c));
  });
});

// TF.js's conv gradient rejects dilation and its cpu backprop kernels ignore the attribute, so
// dilated cases are checked against a direct evaluation of the definition.
describe('dilated conv gradients match the definition', () => {
  const dilated: { x: [number, number, number, number]; filter: [number, number, number, number]; pad: Pad; dilations: [number, number] }[] = [
    { x: [2, 9, 8, 3], filter: [3, 3, 3, 4], pad: 'same', dilations: [2, 2] },
    { x: [1, 11, 10, 2], filter: [3, 2, 2, 3], pad: 'valid', dilations: [2, 3] },
  ];
  it.each(dilated.map((c) => [JSON.stringify(c), c] as const))('%s', async (_, c) => {
    const info = backend_util.computeConv2DInfo(c.x, c.filter, 1, c.dilations, c.pad);
    const random = seededRandom(4);
    const x = randomValues(tf.util.sizeFromShape(c.x), random);
    const w = randomValues(tf.util.sizeFromShape(c.filter), random);
    const dy = randomValues(tf.util.sizeFromShape(info.outShape), random);
    const { dx: wantDx, dw: wantDw } = referenceConvGradients(info, x, w, dy, false);
    const common = { strides: 1, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations };
    const saved = { ...filterGradientConfig };
    for (const config of [
      { maxPlaneOverhead: Infinity, minPlaneChannels: 1, perPartMaxFloats: 0 },
      { maxPlaneOverhead: Infinity, minPlaneChannels: 1, chunkPositions: 60, perPartMaxFloats: 0 },
      { maxPlaneOverhead: 0 },
      { maxPlaneOverhead: 0, blockFloats: 1 }, // im2col one tap per block
    ]) {
      Object.assign(filterGradientConfig, config); // every method
      const gotDw = await runKernelOn('wasm', 'Conv2DBackpropFilter',
        { x: { values: x, shape: c.x }, dy: { values: dy, shape: info.outShape } }, { ...common, filterShape: c.filter });
      Object.assign(filterGradientConfig, saved);
      expectClose(gotDw.values, wantDw, 1e-4, `dw ${JSON.stringify(config)}`);
    }
    const gotDx = await runKernelOn('wasm', 'Conv2DBackpropInput',
      { dy: { values: dy, shape: info.outShape }, filter: { values: w, shape: c.filter } }, { ...common, inputShape: c.x });
    expectClose(gotDx.values, wantDx, 1e-4, 'dx');
  });
});

describe('memory', () => {
  it('frees every temporary', async () => {
    const c = CASES[6]!;
    await tf.setBackend('wasm');
    const x = tf.randomNormal(c.x);
    const dy = tf.randomNormal(outShape(c));
    const w = tf.randomNormal(c.filter);
    const run = () => {
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.filter }) as tf.Tensor;
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x }) as tf.Tensor;
      dw.dispose();
      dx.dispose();
    };
    run();
    const before = liveCounts();
    for (let i = 0; i < 3; i++) run();
    expect(liveCounts()).toEqual(before);
    tf.dispose([x, dy, w]);
  });
});
