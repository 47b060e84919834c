import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { clipGradients } from './clip';
import { learningRateAt, validateLrSchedule } from './lr-schedule';
import { SGD } from './sgd';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const value = (t: tf.Tensor) => t.dataSync()[0]!;

describe('SGD (PyTorch semantics)', () => {
  it('applies momentum and weight decay as torch.optim.SGD does (hand-computed)', () => {
    const p = tf.variable(tf.scalar(1));
    const sgd = new SGD([{ name: 'p', variable: p }], { momentum: 0.9, weightDecay: 0.01 });
    sgd.step({ [p.name]: tf.scalar(0.5) }, 0.1);
    // d = 0.5 + 0.01·1 = 0.51; buf = 0.51; p = 1 − 0.1·0.51
    expect(value(p)).toBeCloseTo(0.949, 6);
    sgd.step({ [p.name]: tf.scalar(-0.2) }, 0.1);
    // d = −0.2 + 0.01·0.949 = −0.19051; buf = 0.9·0.51 − 0.19051 = 0.26849; p = 0.949 − 0.026849
    expect(value(p)).toBeCloseTo(0.922151, 6);
    sgd.dispose();
    p.dispose();
  });

  it('supports nesterov, per-parameter weight decay and skips parameters without gradient', () => {
    const a = tf.variable(tf.scalar(1));
    const b = tf.variable(tf.scalar(2));
    const sgd = new SGD([{ name: 'a', variable: a }, { name: 'norm.weight', variable: b, weightDecay: 0 }], { momentum: 0.9, weightDecay: 0.1, nesterov: true });
    sgd.step({ [a.name]: tf.scalar(0.5), [b.name]: tf.scalar(0.5) }, 0.1);
    // a: d = 0.5 + 0.1 = 0.6, buf 0.6, nesterov d = 0.6 + 0.54 = 1.14 → 1 − 0.114
    expect(value(a)).toBeCloseTo(0.886, 6);
    // b: no decay: d = 0.5, nesterov 0.95 → 2 − 0.095
    expect(value(b)).toBeCloseTo(1.905, 6);
    sgd.step({ [a.name]: tf.scalar(0) }, 0.1);
    expect(value(b)).toBeCloseTo(1.905, 6);
    sgd.dispose();
  });

  it('resumes exactly from its state dict, keeping the tensor count flat', () => {
    const run = (resumeAt?: number) => {
      const w = tf.tidy(() => tf.variable(tf.tensor1d([1, -2, 3])));
      let sgd = new SGD([{ name: 'w', variable: w }]);
      for (let i = 0; i < 6; i++) {
        if (i === resumeAt) {
          const state = sgd.stateDict();
          sgd.dispose();
          sgd = new SGD([{ name: 'w', variable: w }]);
          sgd.loadStateDict(state);
          tf.dispose(Object.values(state));
        }
        tf.tidy(() => sgd.step({ [w.name]: tf.mul(tf.sin(w), i + 1) }, 0.05));
      }
      const out = Array.from(w.dataSync());
      sgd.dispose();
      w.dispose();
      return out;
    };
    const before = tf.memory().numTensors;
    expect(run(3)).toEqual(run());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names bad state and options', () => {
    const w = tf.variable(tf.zeros([2]));
    const sgd = new SGD([{ name: 'w', variable: w }]);
    expect(() => sgd.loadStateDict({ 'momentum.v': tf.zeros([2]) })).toThrow('SGD.loadStateDict: unexpected key "momentum.v" (no such parameter)');
    expect(() => sgd.loadStateDict({ 'momentum.w': tf.zeros([3]) })).toThrow('SGD.loadStateDict: "momentum.w" has shape [3], parameter has [2]');
    expect(() => sgd.step({}, Number.NaN)).toThrow(/learning rate must be a finite number/);
    expect(() => new SGD([{ name: 'w', variable: w }, { name: 'w', variable: w }])).toThrow('SGD: parameter name "w" appears twice');
  });
});

describe('learningRateAt (detectron2 schedules)', () => {
  const o = { baseLr: 0.02, maxIter: 90000, steps: [60000, 80000] };
  it('warms up linearly from 0.001× and steps down by 10×', () => {
    expect(learningRateAt(0, o)).toBeCloseTo(0.02 * 0.001, 12);
    expect(learningRateAt(500, o)).toBeCloseTo(0.02 * (0.001 * 0.5 + 0.5), 12);
    expect(learningRateAt(1000, o)).toBe(0.02);
    expect(learningRateAt(59999, o)).toBe(0.02);
    expect(learningRateAt(60000, o)).toBeCloseTo(0.002, 12);
    expect(learningRateAt(80000, o)).toBeCloseTo(0.0002, 12);
  });
  it('cosine decays to half at mid-training and to 0 at the end', () => {
    const c = { baseLr: 1, maxIter: 100, policy: 'cosine' as const, warmupIters: 0 };
    expect(learningRateAt(50, c)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(100, c)).toBeCloseTo(0, 12);
  });
  it('rejects bad options naming them', () => {
    expect(() => validateLrSchedule({ baseLr: 0.02, maxIter: 100, steps: [80, 60] })).toThrow('solver.steps: expected increasing positive integers, got [80,60]');
    expect(() => validateLrSchedule({ baseLr: 0, maxIter: 100 })).toThrow('solver.baseLr: expected a number > 0, got 0');
  });
});

describe('clipGradients', () => {
  it('clamps values, or rescales per parameter / over the whole model by L2 norm', () => {
    const grads = { a: tf.tensor1d([3, -4]), b: tf.tensor1d([0.1, 0.2]) };
    expect(Array.from(clipGradients(grads, { type: 'value', value: 1 })['a']!.dataSync())).toEqual([1, -1]);
    const perParam = clipGradients(grads, { type: 'norm', value: 1 });
    expect(Array.from(perParam['a']!.dataSync()).map((v) => +v.toFixed(5))).toEqual([0.6, -0.8]);
    expect(Array.from(perParam['b']!.dataSync()).map((v) => +v.toFixed(5))).toEqual([0.1, 0.2]);
    const full = clipGradients(grads, { type: 'norm', value: 1, fullModel: true });
    const total = Math.sqrt(25 + 0.05);
    expect(full['b']!.dataSync()[1]).toBeCloseTo(0.2 / total, 5);
  });
});
