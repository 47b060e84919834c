import * as tf from '@tensorflow/tfjs-core';
import { initBackend, Rng } from '@kestrel/runtime';
import { BatchNorm } from '../batch-norm';
import { ConvNorm } from '../conv-norm';
import { LinearNorm } from '../linear-norm';
import type { ConvProducer } from '../norm';
import { expectClose, pseudoRandom } from '../testing';
import { CrossIterationBatchNorm, type CbnOptions } from './cross-iteration-bn';
import { statisticGradients } from './statistic-gradients';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const X_SHAPE: [number, number, number, number] = [2, 5, 5, 3];
const inputs = (step: number) => tf.tensor4d(pseudoRandom(2 * 5 * 5 * 3, 100 + step, 1, 0.2), X_SHAPE);

/** One conv → norm step with loss Σ out·u; returns output and gradients for x, filter, gamma, beta. */
function step(
  norm: CrossIterationBatchNorm | BatchNorm,
  filter: tf.Variable,
  x: tf.Tensor4D,
  seed: number,
): { out: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const u = tf.tensor(pseudoRandom(2 * 5 * 5 * 4, seed));
    const xv = tf.variable(x);
    let out: tf.Tensor | undefined;
    const { grads } = tf.variableGrads(() => {
      const producer: ConvProducer = { kind: 'conv2d', input: xv as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: [1, 1], pad: 'same', dilations: [1, 1] };
      const y = tf.conv2d(xv as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same');
      out = tf.keep(norm.forward(y, producer));
      return tf.sum(tf.mul(out, tf.reshape(u, y.shape))) as tf.Scalar;
    });
    const result = {
      out: out!.dataSync() as Float32Array,
      grads: [xv, filter, norm.gamma!, norm.beta!].map((v) => grads[v.name]!.dataSync() as Float32Array),
    };
    out!.dispose();
    xv.dispose();
    return result;
  });
}

function makeFilter(seed = 1): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor4d(pseudoRandom(3 * 3 * 3 * 4, seed, 0.5), [3, 3, 3, 4])));
}

describe('CrossIterationBatchNorm', () => {
  it('window 1 equals BN in training (output and every gradient)', () => {
    const filter = makeFilter();
    const cbn = new CrossIterationBatchNorm(4, { window: 1 });
    const bn = new BatchNorm(4);
    for (let t = 0; t < 3; t++) {
      const x = inputs(t);
      const a = step(cbn, filter, x, t);
      const b = step(bn, filter, x, t);
      expectClose(a.out, b.out, 1e-5);
      a.grads.forEach((g, i) => expectClose(g, b.grads[i]!, 1e-4));
      x.dispose();
    }
    cbn.dispose();
    bn.dispose();
    filter.dispose();
  });

  it('runs as BN for the burn-in steps, then opens the window', () => {
    const filter = makeFilter();
    const burnin = new CrossIterationBatchNorm(4, { window: 4, burnin: 2 });
    const plain = new CrossIterationBatchNorm(4, { window: 1 });
    for (let t = 0; t < 3; t++) {
      const x = inputs(t);
      const a = step(burnin, filter, x, t).out;
      const b = step(plain, filter, x, t).out;
      if (t < 2) expectClose(a, b, 1e-6);
      else expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeGreaterThan(1e-3);
      x.dispose();
    }
    expect(burnin.stepCount).toBe(3);
    burnin.dispose();
    plain.dispose();
    filter.dispose();
  });

  it('naive (rho 0) averages the raw statistics of the window', () => {
    const filter = makeFilter();
    const norm = new CrossIterationBatchNorm(4, { window: 3, rho: 0 });
    const means: number[][] = [];
    for (let t = 0; t < 4; t++) {
      const x = inputs(t);
      const y = tf.conv2d(x, filter as tf.Tensor4D, 1, 'same');
      means.push(Array.from(tf.mean(y, [0, 1, 2]).dataSync()));
      // Change the filter between steps: without compensation the window ignores it.
      tf.tidy(() => norm.forward(y, { kind: 'conv2d', input: x, filter: filter as tf.Tensor4D, strides: [1, 1], pad: 'same', dilations: [1, 1] }));
      filter.assign(tf.mul(filter, 1.1));
      const expected = [0, 1, 2, 3].map((c) => {
        const window = means.slice(-3);
        return window.reduce((a, m) => a + m[c]!, 0) / window.length;
      });
      expectClose(norm.lastStatistics()!.mean, expected, 1e-6);
      x.dispose();
      y.dispose();
    }
    norm.dispose();
    filter.dispose();
  });

  it('statistic gradients equal autodiff of mean(y) and mean(y²) w.r.t. the filter, stride 2', () => {
    const x = tf.tensor4d(pseudoRandom(2 * 7 * 7 * 3, 5), [2, 7, 7, 3]);
    const w = tf.tensor4d(pseudoRandom(3 * 3 * 3 * 4, 6), [3, 3, 3, 4]);
    const producer: ConvProducer = { kind: 'conv2d', input: x, filter: w, strides: [2, 2], pad: 'same', dilations: [1, 1] };
    const y = tf.conv2d(x, w, 2, 'same');
    const { gmu, gnu } = statisticGradients(producer, y);
    for (let c = 0; c < 4; c++) {
      const pick = (t: tf.Tensor) => tf.squeeze(tf.slice(t, [0, 0, 0, c], [-1, -1, -1, 1]));
      const dMu = tf.grad((wi: tf.Tensor) => tf.mean(pick(tf.conv2d(x, wi as tf.Tensor4D, 2, 'same'))))(w);
      const dNu = tf.grad((wi: tf.Tensor) => tf.mean(tf.square(pick(tf.conv2d(x, wi as tf.Tensor4D, 2, 'same')))))(w);
      expectClose(gmu, pick(dMu).dataSync(), 1e-5);
      expectClose(tf.slice(gnu, [0, c], [-1, 1]), pick(dNu).dataSync(), 1e-5);
    }
  });

  it('works after a fully connected layer, whose statistic gradients match autodiff', () => {
    const rng = new Rng(3);
    const layer = new LinearNorm({ inFeatures: 5, outFeatures: 3, norm: { type: 'cbn', window: 2 }, rng });
    const x = tf.tensor2d(pseudoRandom(8 * 5, 9), [8, 5]);
    layer.forward(x);
    const out = layer.forward(x);
    expect(out.shape).toEqual([8, 3]);
    const y = tf.matMul(x, layer.weight as tf.Tensor2D);
    const { gmu, gnu } = statisticGradients({ kind: 'dense', input: x, weight: layer.weight as tf.Tensor2D }, y);
    expectClose(gmu, tf.mean(x, 0).dataSync(), 1e-6);
    const dNu = tf.grad((w: tf.Tensor) => tf.sum(tf.mean(tf.square(tf.matMul(x, w as tf.Tensor2D)), 0)))(layer.weight);
    expectClose(gnu, dNu.dataSync(), 1e-5);
    layer.dispose();
  });

  it.each([
    ['clamp', 'clamp' as const],
    ['drop', 'drop' as const],
  ])('guard %s treats an invalid history entry (ν < μ²) as the spec says', (_name, guard) => {
    const norm = new CrossIterationBatchNorm(1, { window: 2, guard, rho: 0 });
    // Craft a history entry with mu = 3, nu = 1 (< mu² = 9): invalid.
    const state = norm.stateDict();
    const extra = {
      '_extra_state.steps': tf.scalar(1, 'int32'),
      '_extra_state.history.0.mu': tf.tensor1d([3]),
      '_extra_state.history.0.nu': tf.tensor1d([1]),
      '_extra_state.history.0.gmu': tf.zeros([1]),
      '_extra_state.history.0.gnu': tf.zeros([1, 1]),
      '_extra_state.history.0.sMu': tf.zeros([1]),
      '_extra_state.history.0.sNu': tf.zeros([1]),
    };
    const plain = Object.fromEntries(Object.entries(state).filter(([k]) => !k.startsWith('_extra_state')));
    norm.loadStateDict({ ...plain, ...extra });
    const x = tf.tensor2d([[1], [3]]); // current: mu 2, nu 5, var 1
    norm.forward(x, { kind: 'dense', input: x, weight: tf.ones([1, 1]) as tf.Tensor2D });
    const { mean, variance } = norm.lastStatistics()!;
    if (guard === 'clamp') {
      // nu'' = max(1, 9) = 9: mean (2 + 3)/2 = 2.5, var (5 + 9)/2 − 6.25 = 0.75.
      expectClose(mean, [2.5], 1e-6);
      expectClose(variance, [0.75], 1e-6);
    } else {
      // The invalid entry is dropped: current batch only.
      expectClose(mean, [2], 1e-6);
      expectClose(variance, [1], 1e-6);
    }
    norm.dispose();
  });

  it('state (parameters, running stats, history, step count) round-trips bit-exactly and resumes identically', () => {
    const rng = new Rng(11);
    const options: CbnOptions = { window: 3, burnin: 1 };
    const a = new ConvNorm({ inChannels: 3, outChannels: 4, kernel: 3, norm: { type: 'cbn', ...options }, rng });
    for (let t = 0; t < 4; t++) tf.tidy(() => a.forward(inputs(t)));
    const saved = a.stateDict();
    expect(Object.keys(saved).filter((k) => k.includes('history')).length).toBe(2 * 6);
    const b = new ConvNorm({ inChannels: 3, outChannels: 4, kernel: 3, norm: { type: 'cbn', ...options }, rng: new Rng(99) });
    b.loadStateDict(saved);
    const again = b.stateDict();
    for (const [key, tensor] of Object.entries(saved)) {
      expect({ key, bytes: Buffer.from(again[key]!.dataSync().buffer) }).toEqual({ key, bytes: Buffer.from(tensor.dataSync().buffer) });
    }
    const outA = tf.tidy(() => a.forward(inputs(9)).dataSync());
    const outB = tf.tidy(() => b.forward(inputs(9)).dataSync());
    expect(Buffer.from(outB.buffer)).toEqual(Buffer.from(outA.buffer));
    a.dispose();
    b.dispose();
  });

  it('keeps the tensor count flat across training steps', () => {
    const rng = new Rng(5);
    const block = new ConvNorm({ inChannels: 3, outChannels: 4, kernel: 3, stride: 2, norm: 'cbn', rng });
    const x = inputs(0);
    const train = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(block.forward(x)) as tf.Scalar);
        for (const [name, g] of Object.entries(grads)) {
          const v = block.trainableParameters().find((p) => p.name === name)!;
          v.assign(tf.sub(v, tf.mul(g, 0.01)));
        }
      });
    for (let i = 0; i < 4; i++) train(); // fill the history
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) train();
    expect(tf.memory().numTensors).toBe(before);
    block.dispose();
    x.dispose();
  });

  describe('ConvNorm path (statistic gradients from the backward pass)', () => {
    /** Trains two identical conv → cbn blocks, one through ConvNorm (fused), one through conv + forward. */
    async function compare(differentiate: 'all' | 'affine only', steps = 5): Promise<number[]> {
      const make = () => new ConvNorm({ inChannels: 3, outChannels: 4, kernel: 3, stride: 2, norm: { type: 'cbn', window: 3 }, rng: new Rng(21) });
      const fused = make();
      const plain = make();
      const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];
      const plainForward = (x: tf.Tensor4D) =>
        tf.relu(plain.norm.forward(tf.conv2d(x, plain.weight as tf.Tensor4D, 2, pad), {
          kind: 'conv2d', input: x, filter: plain.weight as tf.Tensor4D, strides: [2, 2], pad, dilations: [1, 1],
        }));
      const filterGradCalls: number[] = [];
      for (let t = 0; t < steps; t++) {
        const x = inputs(t);
        const train = (block: ConvNorm, f: (x: tf.Tensor4D) => tf.Tensor) =>
          tf.tidy(() => {
            const u = tf.tensor(pseudoRandom(2 * 3 * 3 * 4, 50 + t), [2, 3, 3, 4]);
            const vars = differentiate === 'all' ? block.trainableParameters() : block.norm.trainableParameters();
            const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), u)) as tf.Scalar, vars);
            const out = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
            for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.1)));
            return out;
          });
        let a: Float32Array[] = [];
        const info = await tf.profile(() => {
          a = train(fused, (xi) => fused.forward(xi));
        });
        filterGradCalls.push(info.kernels.filter((k) => k.name === 'Conv2DBackpropFilter').length);
        const b = train(plain, plainForward);
        a.forEach((g, i) => expectClose(g, b[i]!, 1e-4));
        const fusedStats = (fused.norm as CrossIterationBatchNorm).lastStatistics()!;
        const plainStats = (plain.norm as CrossIterationBatchNorm).lastStatistics()!;
        expectClose(fusedStats.mean, plainStats.mean.dataSync(), 1e-5);
        expectClose(fusedStats.variance, plainStats.variance.dataSync(), 1e-5);
        x.dispose();
      }
      const history = (block: ConvNorm) => Object.entries(block.stateDict()).filter(([k]) => k.includes('history'));
      const fusedHistory = history(fused);
      const plainHistory = new Map(history(plain));
      expect(fusedHistory.length).toBe(2 * 6);
      for (const [key, tensor] of fusedHistory) expectClose(tensor, plainHistory.get(key)!.dataSync(), 1e-4);
      fused.dispose();
      plain.dispose();
      return filterGradCalls;
    }

    it('trains exactly like conv + forward, with ONE filter-gradient call per step', async () => {
      const calls = await compare('all');
      expect(calls).toEqual([1, 1, 1, 1, 1]);
    });

    it('still records the statistic gradients when the filter is not differentiated', async () => {
      await compare('affine only');
    });

    it('keeps the tensor count flat and completes a pending entry for a forward in the same step', () => {
      const block = new ConvNorm({ inChannels: 3, outChannels: 4, kernel: 3, norm: { type: 'cbn', window: 3 }, rng: new Rng(2) });
      const x = inputs(1);
      const train = () =>
        tf.tidy(() => {
          // Two forwards in one step (weight sharing): the first one's entry is needed before any backward pass.
          const { grads } = tf.variableGrads(() => tf.add(tf.sum(block.forward(x)), tf.sum(block.forward(x))) as tf.Scalar);
          for (const [name, g] of Object.entries(grads)) {
            const v = block.trainableParameters().find((p) => p.name === name)!;
            v.assign(tf.sub(v, tf.mul(g, 0.01)));
          }
        });
      for (let i = 0; i < 3; i++) train();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) train();
      expect(tf.memory().numTensors).toBe(before);
      block.dispose();
      x.dispose();
    });
  });
});
