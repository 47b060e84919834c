import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { expectClose, randomValues, referenceConvGradients, runKernelOn, seededRandom, setUpBackends } from './test-utils';

interface Case {
  x: [number, number, number, number];
  /** [KH, KW, C, channel multiplier] */
  filter: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid' | backend_util.ExplicitPadding;
  dilations?: [number, number];
}

const CASES: Case[] = [
  { x: [2, 8, 8, 5], filter: [3, 3, 5, 1], strides: 1, pad: 'same' },
  { x: [1, 9, 7, 4], filter: [3, 3, 4, 2], strides: 1, pad: 'valid' },
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 1], strides: 2, pad: 'same' },
  { x: [1, 9, 9, 4], filter: [1, 1, 4, 3], strides: 2, pad: 'valid' },
  { x: [2, 11, 10, 2], filter: [7, 7, 2, 1], strides: 2, pad: 'same' },
  { x: [1, 9, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 6, 6, 40], filter: [3, 3, 40, 1], strides: 1, pad: 'same' },
];

// The cpu kernels ignore dilation: dilated cases are checked against the definition.
const DILATED: Case[] = [
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same', dilations: [2, 2] },
  { x: [1, 10, 11, 2], filter: [3, 2, 2, 2], strides: 1, pad: 'valid', dilations: [2, 3] },
];

function info(c: Case): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations ?? 1, c.pad, undefined, true);
}

function name(c: Case): string {
  return `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)} dilations ${c.dilations ?? 1}`;
}

beforeAll(() => setUpBackends());

describe('depthwise conv gradients on wasm', () => {
  it.each(CASES.map((c) => [name(c), c] as const))('match cpu: %s', async (_, c) => {
    const random = seededRandom(5);
    const dyShape = info(c).outShape;
    const x = { values: randomValues(tf.util.sizeFromShape(c.x), random), shape: c.x };
    const filter = { values: randomValues(tf.util.sizeFromShape(c.filter), random), shape: c.filter };
    const dy = { values: randomValues(tf.util.sizeFromShape(dyShape), random), shape: dyShape };
    const common = { strides: c.strides, pad: c.pad, dilations: 1 };
    const wantDw = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: c.filter });
    const gotDw = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: c.filter });
    const wantDx = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...common, inputShape: c.x });
    const gotDx = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...common, inputShape: c.x });
    expect(gotDw.shape).toEqual(c.filter);
    expect(gotDx.shape).toEqual(c.x);
    expectClose(gotDw.values, wantDw.values, 1e-4, `dw ${name(c)}`);
    expectClose(gotDx.values, wantDx.values, 1e-4, `dx ${name(c)}`);
  });

  it.each(DILATED.map((c) => [name(c), c] as const))('match the definition: %s', async (_, c) => {
    const random = seededRandom(6);
    const convInfo = info(c);
    const x = randomValues(tf.util.sizeFromShape(c.x), random);
    const w = randomValues(tf.util.sizeFromShape(c.filter), random);
    const dy = randomValues(tf.util.sizeFromShape(convInfo.outShape), random);
    const want = referenceConvGradients(convInfo, x, w, dy, true);
    const common = { strides: c.strides, pad: c.pad, dilations: c.dilations };
    const gotDw = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter',
      { x: { values: x, shape: c.x }, dy: { values: dy, shape: convInfo.outShape } }, { ...common, filterShape: c.filter });
    const gotDx = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput',
      { dy: { values: dy, shape: convInfo.outShape }, filter: { values: w, shape: c.filter } }, { ...common, inputShape: c.x });
    expectClose(gotDw.values, want.dw, 1e-4, 'dw');
    expectClose(gotDx.values, want.dx, 1e-4, 'dx');
  });
});
