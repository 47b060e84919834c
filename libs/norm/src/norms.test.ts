import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@kestrel/runtime';
import { BatchNorm } from './batch-norm';
import { BatchRenorm } from './batch-renorm';
import { FrozenBatchNorm } from './frozen-batch-norm';
import { GroupNorm } from './group-norm';
import { createNorm } from './registry';
import { expectClose, pseudoRandom, referenceMoments, referenceNormalize } from './testing';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const SHAPE: [number, number, number, number] = [2, 3, 3, 4];
const DATA = pseudoRandom(2 * 3 * 3 * 4, 7, 2, 0.5);

describe('bn (PyTorch semantics)', () => {
  it('matches hand-computed PyTorch values on a 4-value channel', () => {
    const bn = new BatchNorm(1);
    const out = bn.forward(tf.tensor2d([1, 2, 3, 4], [4, 1]));
    // mean 2.5, biased var 1.25 to normalize, unbiased 5/3 into running_var.
    expectClose(out, [1, 2, 3, 4].map((v) => (v - 2.5) / Math.sqrt(1.25 + 1e-5)), 1e-6);
    expectClose(bn.buffer('running_mean'), [0.25], 1e-7);
    expectClose(bn.buffer('running_var'), [0.9 + 0.1 * (5 / 3)], 1e-7);
    expect(bn.buffer('num_batches_tracked').dataSync()[0]).toBe(1);
    bn.eval();
    expectClose(bn.forward(tf.tensor2d([1], [1, 1])), [(1 - 0.25) / Math.sqrt(0.9 + 0.1 * (5 / 3) + 1e-5)], 1e-6);
    bn.dispose();
  });

  it('normalizes NHWC with batch statistics over N, H, W', () => {
    const bn = new BatchNorm(4);
    tf.tidy(() => {
      bn.gamma!.assign(tf.tensor1d([1, 2, 0.5, -1]));
      bn.beta!.assign(tf.tensor1d([0, 1, -1, 3]));
    });
    const { mean, variance } = referenceMoments(DATA, 4);
    expectClose(bn.forward(tf.tensor4d(DATA, SHAPE)), referenceNormalize(DATA, mean, variance, 1e-5, [1, 2, 0.5, -1], [0, 1, -1, 3]));
    bn.dispose();
  });

  it('has the closed-form BN gradients for input, gamma and beta', () => {
    const bn = new BatchNorm(4);
    const gamma = [1, 2, 0.5, -1];
    tf.tidy(() => bn.gamma!.assign(tf.tensor1d(gamma)));
    const upstream = pseudoRandom(DATA.length, 11, 1, 0);
    const { mean, variance } = referenceMoments(DATA, 4);
    // dx = gamma·rstd/M·(M·g − Σg − x̂·Σ(g·x̂)), dgamma = Σ g·x̂, dbeta = Σ g (float64).
    const m = DATA.length / 4;
    const xhat = Array.from(DATA, (v, i) => (v - mean[i % 4]!) / Math.sqrt(variance[i % 4]! + 1e-5));
    const sumG = [0, 1, 2, 3].map((c) => upstream.reduce((a, g, i) => (i % 4 === c ? a + g : a), 0));
    const sumGX = [0, 1, 2, 3].map((c) => upstream.reduce((a, g, i) => (i % 4 === c ? a + g * xhat[i]! : a), 0));
    const dx = Array.from(upstream, (g, i) => {
      const c = i % 4;
      return ((gamma[c]! / Math.sqrt(variance[c]! + 1e-5)) / m) * (m * g - sumG[c]! - xhat[i]! * sumGX[c]!);
    });
    tf.tidy(() => {
      const y = tf.tensor4d(DATA, SHAPE);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(y), tf.tensor4d(upstream, SHAPE))) as tf.Scalar, [bn.gamma!, bn.beta!]);
      const dy = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(bn.forward(v), tf.tensor4d(upstream, SHAPE))))(y);
      expectClose(dy, dx, 1e-5);
      expectClose(grads[bn.gamma!.name]!, sumGX, 1e-5);
      expectClose(grads[bn.beta!.name]!, sumG, 1e-5);
    });
    bn.dispose();
  });

  it('computes the variance around the mean (no cancellation for a large mean)', () => {
    const bn = new BatchNorm(1);
    const values = [1000.01, 999.99, 1000.02, 999.98].map(Math.fround); // as float32 stores them
    const out = bn.forward(tf.tensor2d(values, [4, 1]));
    const mean = values.reduce((a, v) => a + v, 0) / 4;
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / 4;
    // The float32 mean's rounding (ulp(1000) = 6e-5) bounds the accuracy at ~2e-3 here; a
    // one-pass E[y²] − mean² (ulp(1e6) = 0.06 ≫ var 2.5e-4) would lose every digit.
    expectClose(out, values.map((v) => (v - mean) / Math.sqrt(variance + 1e-5)), 5e-3);
    out.dispose();
    bn.dispose();
  });

  it('with frozenStats uses running statistics in training and leaves them alone', () => {
    const bn = new BatchNorm(4, { frozenStats: true });
    const y = tf.tensor4d(DATA, SHAPE);
    expectClose(bn.forward(y), referenceNormalize(DATA, [0, 0, 0, 0], [1, 1, 1, 1], 1e-5));
    expectClose(bn.buffer('running_mean'), [0, 0, 0, 0], 0);
    expect(bn.trainableParameters()).toHaveLength(2);
    bn.dispose();
  });
});

describe('frozen-bn', () => {
  it('is a fixed affine transform with nothing trainable', () => {
    const norm = new FrozenBatchNorm(4);
    norm.setBuffer('weight', tf.tensor1d([1, 2, 3, 4]));
    norm.setBuffer('bias', tf.tensor1d([0, -1, 1, 0]));
    norm.setBuffer('running_mean', tf.tensor1d([0.5, 0, -0.5, 1]));
    norm.setBuffer('running_var', tf.tensor1d([1, 4, 0.25, 2]));
    expect(norm.trainableParameters()).toHaveLength(0);
    const expected = referenceNormalize(DATA, [0.5, 0, -0.5, 1], [1, 4, 0.25, 2], 1e-5, [1, 2, 3, 4], [0, -1, 1, 0]);
    expectClose(norm.forward(tf.tensor4d(DATA, SHAPE)), expected);
    norm.eval();
    expectClose(norm.forward(tf.tensor4d(DATA, SHAPE)), expected);
    norm.dispose();
  });
});

/** Group statistics per sample over (H, W, channels of the group), from the definition. */
function referenceGroupNorm(data: Float32Array, shape: number[], groups: number, eps: number): number[] {
  const [n, h, w, c] = shape as [number, number, number, number];
  const per = c / groups;
  const out = new Array<number>(data.length);
  for (let s = 0; s < n; s++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let p = 0; p < h * w; p++) for (let k = 0; k < per; k++) idx.push(s * h * w * c + p * c + g * per + k);
      const mean = idx.reduce((a, i) => a + data[i]!, 0) / idx.length;
      const variance = idx.reduce((a, i) => a + (data[i]! - mean) ** 2, 0) / idx.length;
      for (const i of idx) out[i] = (data[i]! - mean) / Math.sqrt(variance + eps);
    }
  }
  return out;
}

describe('gn / ln / in', () => {
  it.each([
    ['gn', { type: 'gn', groups: 2 }, 2],
    ['gn by channels per group', { type: 'gn', channelsPerGroup: 1 }, 4],
    ['ln (one group)', 'ln', 1],
    ['in (one channel per group)', 'in', 4],
  ] as const)('%s matches the per-sample group formula', (_name, spec, groups) => {
    const norm = createNorm(spec, 4);
    const y = tf.tensor4d(DATA, SHAPE);
    const expected = referenceGroupNorm(DATA, SHAPE, groups, 1e-5);
    expectClose(norm.forward(y), expected);
    norm.eval();
    expectClose(norm.forward(y), expected);
    norm.dispose();
  });

  it('defaults to 32 groups', () => {
    const norm = new GroupNorm(64);
    expect(norm.groups).toBe(32);
    norm.dispose();
  });
});

describe('brn', () => {
  it('ramps rmax 1→3 and dmax 0→5 over the configured steps', () => {
    const brn = new BatchRenorm(1, { rmaxRamp: [10, 30], dmaxRamp: [10, 20] });
    expect(brn.limitsAt(0)).toEqual({ rmax: 1, dmax: 0 });
    expect(brn.limitsAt(10)).toEqual({ rmax: 1, dmax: 0 });
    expect(brn.limitsAt(20)).toEqual({ rmax: 2, dmax: 5 });
    expect(brn.limitsAt(30)).toEqual({ rmax: 3, dmax: 5 });
    expect(brn.limitsAt(1000)).toEqual({ rmax: 3, dmax: 5 });
    brn.dispose();
  });

  it('equals BN while rmax = 1 and dmax = 0', () => {
    const brn = new BatchRenorm(4);
    const { mean, variance } = referenceMoments(DATA, 4);
    expectClose(brn.forward(tf.tensor4d(DATA, SHAPE)), referenceNormalize(DATA, mean, variance, 1e-5));
    brn.dispose();
  });

  it('applies clipped r and d as constants once relaxed', () => {
    const brn = new BatchRenorm(4, { rmaxRamp: [0, 0], dmaxRamp: [0, 0], momentum: 0.5 });
    // Running statistics that force clipping on some channels.
    brn.setBuffer('running_mean', tf.tensor1d([0, 10, -0.2, 0.4]));
    brn.setBuffer('running_var', tf.tensor1d([1, 0.01, 0.5, 100]));
    const { mean, variance } = referenceMoments(DATA, 4);
    const rm = [0, 10, -0.2, 0.4];
    const sigma = [1, 0.01, 0.5, 100].map((v) => Math.sqrt(v + 1e-5));
    const sigmaB = variance.map((v) => Math.sqrt(v + 1e-5));
    const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
    const r = sigmaB.map((s, c) => clip(s / sigma[c]!, 1 / 3, 3));
    const d = mean.map((m, c) => clip((m - rm[c]!) / sigma[c]!, -5, 5));
    const expected = Array.from(DATA, (v, i) => ((v - mean[i % 4]!) / sigmaB[i % 4]!) * r[i % 4]! + d[i % 4]!);
    const y = tf.tensor4d(DATA, SHAPE);
    const upstream = tf.tensor4d(pseudoRandom(DATA.length, 3), SHAPE);
    const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(brn.forward(v), upstream)))(y);
    // r, d constants: the gradient is BN's (batch-stat) gradient scaled by r per channel.
    const bnGrad = tf.grad((v: tf.Tensor) => {
      const m = tf.moments(v, [0, 1, 2]);
      return tf.sum(tf.mul(tf.mul(tf.div(tf.sub(v, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), tf.tensor1d(r)), upstream));
    })(y);
    expectClose(grad, bnGrad.dataSync(), 1e-5);
    brn.dispose();
    const fresh = new BatchRenorm(4, { rmaxRamp: [0, 0], dmaxRamp: [0, 0], momentum: 0.5 });
    fresh.setBuffer('running_mean', tf.tensor1d(rm));
    fresh.setBuffer('running_var', tf.tensor1d([1, 0.01, 0.5, 100]));
    expectClose(fresh.forward(y), expected, 1e-5);
    fresh.dispose();
  });
});

describe('factory errors name the option and the accepted values', () => {
  it.each([
    ['unknown type', 'batchnorm', /^norm: unknown norm type "batchnorm"; expected one of cbn, cbn-naive, bn, frozen-bn, gn, ln, in, brn, none/],
    ['unknown option', { type: 'bn', window: 4 }, /^norm: unknown option "window" for norm "bn"; accepted options: eps, momentum, affine, frozenStats$/],
    ['window < 1', { type: 'cbn', window: 0 }, /^norm: cbn: option "window" must be an integer >= 1, got 0$/],
    ['bad guard', { type: 'cbn', guard: 'soft' }, /^norm: cbn: option "guard" must be "clamp" or "drop", got "soft"$/],
    ['groups not dividing', { type: 'gn', groups: 3 }, /^norm: gn: option "groups" must be a positive divisor of 4 channels, got 3$/],
    ['negative eps', { type: 'bn', eps: -1 }, /^norm: bn: option "eps" must be a number > 0, got -1$/],
    ['momentum > 1', { type: 'brn', momentum: 2 }, /^norm: brn: option "momentum" must be a number in \[0, 1\], got 2$/],
    ['rho on cbn-naive', { type: 'cbn-naive', rho: 1 }, /^norm: unknown option "rho" for norm "cbn-naive"/],
  ])('%s', (_name, spec, message) => {
    expect(() => createNorm(spec as never, 4)).toThrow(message);
  });
});

describe('memory', () => {
  it('every norm keeps the tensor count flat across training steps', () => {
    for (const spec of ['bn', 'frozen-bn', { type: 'gn', groups: 2 }, 'ln', 'in', 'brn', 'none'] as const) {
      const norm = createNorm(spec, 4);
      const y = tf.tensor4d(DATA, SHAPE);
      const step = () => tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(norm.forward(v)))(y));
      step().dispose();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) step().dispose();
      expect({ spec, tensors: tf.memory().numTensors }).toEqual({ spec, tensors: before });
      norm.dispose();
      y.dispose();
    }
  });
});
