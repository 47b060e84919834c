// Float64 references computed from the formulas, for tests (not part of the public API).
import * as tf from '@tensorflow/tfjs-core';

/** Deterministic pseudo-random values in [-scale, scale] (a small LCG: tests need no Rng state). */
export function pseudoRandom(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = offset + scale * ((s / 2 ** 32) * 2 - 1);
  }
  return out;
}

/** Per-channel mean and biased variance of channel-last data. */
export function referenceMoments(data: ArrayLike<number>, channels: number): { mean: number[]; variance: number[]; count: number } {
  const count = data.length / channels;
  const mean = new Array(channels).fill(0);
  const variance = new Array(channels).fill(0);
  for (let i = 0; i < data.length; i++) mean[i % channels] += data[i]! / count;
  for (let i = 0; i < data.length; i++) variance[i % channels] += (data[i]! - mean[i % channels]) ** 2 / count;
  return { mean, variance, count };
}

/** gamma·(y − mean)/sqrt(var + eps) + beta, channel-last. */
export function referenceNormalize(
  data: ArrayLike<number>,
  mean: number[],
  variance: number[],
  eps: number,
  gamma?: number[],
  beta?: number[],
): number[] {
  const c = mean.length;
  return Array.from(data, (v, i) => {
    const ch = i % c;
    return ((v - mean[ch]!) / Math.sqrt(variance[ch]! + eps)) * (gamma?.[ch] ?? 1) + (beta?.[ch] ?? 0);
  });
}

export function expectClose(actual: ArrayLike<number> | tf.Tensor, expected: ArrayLike<number>, tolerance = 1e-5): void {
  const values = actual instanceof tf.Tensor ? actual.dataSync() : actual;
  expect(values.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(values[i]! - expected[i]!);
    if (diff > tolerance * Math.max(1, scale)) {
      throw new Error(`element ${i}: got ${values[i]}, expected ${expected[i]} (|diff| ${diff.toExponential(2)})`);
    }
  }
}
