import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { dirname } from 'node:path';
import {
  c2MsraFill,
  c2XavierFill,
  calculateGain,
  computeFans,
  constant,
  depthwiseFans,
  kaimingNormal,
  kaimingUniform,
  normal,
  ones,
  uniform,
  xavierNormal,
  xavierUniform,
  zeros,
} from './init';
import { Rng } from './rng';

beforeAll(async () => {
  tf.env().set('IS_TEST', true); // silences the "install tfjs-node" banner
  await tf.setBackend('cpu');
});

interface Stats {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** Reads and disposes `t`. */
function stats(t: tf.Tensor): Stats {
  const v = t.dataSync();
  t.dispose();
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / v.length;
  let sq = 0;
  for (const x of v) sq += (x - mean) ** 2;
  return { n: v.length, mean, std: Math.sqrt(sq / v.length), min, max };
}

/** Sample std of n normal draws has relative standard error ≈ 1/√(2n); allow 5 of them. */
function expectNormal(s: Stats, std: number, mean = 0): void {
  expect(Math.abs(s.mean - mean)).toBeLessThan((5 * std) / Math.sqrt(s.n));
  expect(Math.abs(s.std / std - 1)).toBeLessThan(5 / Math.sqrt(2 * s.n));
}

/** U(-b, b): every value within the float32 bound, extremes near it, std = b/√3. */
function expectSymmetricUniform(s: Stats, bound: number): void {
  const b32 = Math.fround(bound);
  expect(s.min).toBeGreaterThanOrEqual(-b32);
  expect(s.max).toBeLessThanOrEqual(b32);
  // With n ≥ 10^4 draws the extremes lie within 0.1 % of the bound except with probability ~e^-10.
  expect(s.max).toBeGreaterThan(0.999 * bound);
  expect(s.min).toBeLessThan(-0.999 * bound);
  // Variance of U(-b, b) is b²/3; std of the sample variance ≈ b²·√(4/45/n).
  expect(Math.abs(s.std ** 2 - bound ** 2 / 3)).toBeLessThan(5 * bound ** 2 * Math.sqrt(4 / 45 / s.n));
}

describe('fans and gains', () => {
  it('computes fans for HWIO filters and [in, out] dense kernels like PyTorch', () => {
    // PyTorch Conv2d(16, 32, 3): weight [32, 16, 3, 3] → fan_in 16·9, fan_out 32·9.
    expect(computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    // PyTorch Linear(10, 20): weight [20, 10] → fan_in 10, fan_out 20.
    expect(computeFans([10, 20])).toEqual({ fanIn: 10, fanOut: 20 });
    expect(computeFans([5, 7, 2, 3, 4])).toEqual({ fanIn: 5 * 7 * 2 * 3, fanOut: 5 * 7 * 2 * 4 });
    expect(() => computeFans([8])).toThrow(/rank >= 2/);
    // PyTorch Conv2d(8, 16, 3, groups=8): weight [16, 1, 3, 3] → fan_in 9, fan_out 144.
    expect(depthwiseFans([3, 3, 8, 2])).toEqual({ fanIn: 9, fanOut: 144 });
  });

  it('has PyTorch gains', () => {
    expect(calculateGain('linear')).toBe(1);
    expect(calculateGain('conv2d')).toBe(1);
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('relu')).toBe(Math.sqrt(2));
    expect(calculateGain('tanh')).toBe(5 / 3);
    expect(calculateGain('selu')).toBe(0.75);
    expect(calculateGain('leaky_relu')).toBe(Math.sqrt(2 / (1 + 0.01 ** 2)));
    expect(calculateGain('leaky_relu', 0.2)).toBe(Math.sqrt(2 / 1.04));
  });
});

describe('initialisers', () => {
  const shape = [3, 3, 64, 128]; // 73,728 values; fan_in 576, fan_out 1152

  it('kaimingNormal: std = sqrt(2 / fan) for ReLU', () => {
    expectNormal(stats(kaimingNormal(shape, new Rng(1))), Math.sqrt(2 / 576));
    expectNormal(stats(kaimingNormal(shape, new Rng(2), { mode: 'fan_out', nonlinearity: 'relu' })), Math.sqrt(2 / 1152));
    expectNormal(stats(kaimingNormal(shape, new Rng(3), { a: 0.2 })), Math.sqrt(2 / 1.04 / 576));
    expectNormal(stats(kaimingNormal(shape, new Rng(4), { nonlinearity: 'linear' })), Math.sqrt(1 / 576));
    expectNormal(stats(c2MsraFill(shape, new Rng(5))), Math.sqrt(2 / 1152));
  });

  it('kaimingUniform: bound = sqrt(6 / fan) for ReLU', () => {
    expectSymmetricUniform(stats(kaimingUniform(shape, new Rng(1))), Math.sqrt(6 / 576));
    expectSymmetricUniform(stats(kaimingUniform(shape, new Rng(2), { mode: 'fan_out' })), Math.sqrt(6 / 1152));
    expectSymmetricUniform(stats(kaimingUniform(shape, new Rng(3), { a: 0.2 })), Math.sqrt(6 / 1.04 / 576));
    // detectron2 c2_xavier_fill = kaiming_uniform_(a=1): gain 1, bound sqrt(3 / fan_in).
    expectSymmetricUniform(stats(c2XavierFill(shape, new Rng(4))), Math.sqrt(3 / 576));
  });

  it('xavier: bound sqrt(6 / (in + out)), std sqrt(2 / (in + out))', () => {
    expectSymmetricUniform(stats(xavierUniform([256, 512], new Rng(1))), Math.sqrt(6 / 768));
    expectSymmetricUniform(stats(xavierUniform([256, 512], new Rng(2), { gain: 2 })), 2 * Math.sqrt(6 / 768));
    expectNormal(stats(xavierNormal([256, 512], new Rng(3))), Math.sqrt(2 / 768));
    expectNormal(stats(xavierNormal(shape, new Rng(4))), Math.sqrt(2 / (576 + 1152)));
  });

  it('normal and uniform with explicit parameters', () => {
    expectNormal(stats(normal([100_000], new Rng(1), { std: 0.01 })), 0.01);
    expectNormal(stats(normal([100_000], new Rng(2), { mean: 3, std: 2 })), 2, 3);
    const u = stats(uniform([100_000], new Rng(3), { low: 2, high: 5 }));
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThanOrEqual(5);
    expect(Math.abs(u.mean - 3.5)).toBeLessThan(5 * Math.sqrt(0.75 / 100_000));
  });

  it('constants', () => {
    const c = constant([2, 3], 0.5);
    expect(Array.from(c.dataSync())).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const z = zeros([4], 'int32');
    expect(z.dtype).toBe('int32');
    expect(Array.from(z.dataSync())).toEqual([0, 0, 0, 0]);
    const o = ones([]);
    expect(o.shape).toEqual([]);
    expect(o.dataSync()[0]).toBe(1);
    tf.dispose([c, z, o]);
  });

  it('is bit-identical for the same seed and differs across seeds', () => {
    const bits = (t: tf.Tensor): number[] => {
      const out = Array.from(new Uint32Array(t.dataSync().slice().buffer));
      t.dispose();
      return out;
    };
    expect(bits(kaimingNormal([3, 3, 8, 8], new Rng(1).fork('conv')))).toEqual(bits(kaimingNormal([3, 3, 8, 8], new Rng(1).fork('conv'))));
    expect(bits(kaimingNormal([3, 3, 8, 8], new Rng(1).fork('conv')))).not.toEqual(bits(kaimingNormal([3, 3, 8, 8], new Rng(2).fork('conv'))));
    expect(bits(xavierUniform([8, 8], new Rng(1)))).not.toEqual(bits(xavierUniform([8, 8], new Rng(1).fork('other'))));
  });

  it('handles empty shapes and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const t = kaimingNormal([3, 3, 0, 8], new Rng(1));
    expect(t.shape).toEqual([3, 3, 0, 8]);
    t.dispose();
    for (const make of [kaimingUniform, xavierNormal, xavierUniform]) make([4, 4], new Rng(1)).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('backend independence', () => {
  it('gives bit-identical parameters on the cpu and wasm backends', async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    const draw = (): number[] => {
      const t = kaimingNormal([3, 3, 4, 8], new Rng(5).fork('conv'));
      const bits = Array.from(new Uint32Array(t.dataSync().slice().buffer));
      t.dispose();
      return bits;
    };
    const onCpu = draw();
    expect(await tf.setBackend('wasm')).toBe(true);
    try {
      expect(tf.getBackend()).toBe('wasm');
      expect(draw()).toEqual(onCpu);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
