import * as tf from '@tensorflow/tfjs-core';
import { liveCounts, randomValues, seededRandom, setUpBackends } from '../wasm-kernels/test-utils';
import { columnDots } from './column-dots';

beforeAll(() => setUpBackends(2));
afterAll(() => tf.setBackend('wasm'));

/** Float64 reference of both products. */
function reference(w: Float32Array, k: number, c: number, vectors: Float32Array[], matrices: Float32Array[]): { v: number[]; m: number[] } {
  const v: number[] = [];
  const m: number[] = [];
  vectors.forEach((vec, e) => {
    for (let j = 0; j < c; j++) {
      let sv = 0;
      let sm = 0;
      for (let i = 0; i < k; i++) {
        sv += vec[i]! * w[i * c + j]!;
        sm += matrices[e]![i * c + j]! * w[i * c + j]!;
      }
      v.push(sv);
      m.push(sm);
    }
  });
  return { v, m };
}

function expectClose(actual: Float32Array | Int32Array | Uint8Array, expected: number[], k: number): void {
  expect(actual.length).toBe(expected.length);
  // Sums of k products of values in [-1, 1): float32 rounding grows like sqrt(k).
  const tolerance = 1e-5 * Math.sqrt(k) * 4;
  expected.forEach((e, i) => expect(Math.abs(actual[i]! - e)).toBeLessThan(tolerance));
}

describe.each(['wasm', 'cpu'])('columnDots on %s', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it.each([
    [1, 1, 1],
    [7, 3, 2],
    [64, 8, 3], // whole SIMD steps only
    [37, 13, 3], // SIMD steps and a scalar tail
    [576, 130, 3],
  ])('matches a float64 reference for K=%i, C=%i, %i entries', (k, c, entries) => {
    const random = seededRandom(k * 1000 + c);
    const w = randomValues(k * c, random);
    const vectors = Array.from({ length: entries }, () => randomValues(k, random));
    const matrices = Array.from({ length: entries }, () => randomValues(k * c, random));
    const expected = reference(w, k, c, vectors, matrices);
    tf.tidy(() => {
      const out = columnDots(
        tf.tensor2d(w, [k, c]),
        vectors.map((v) => tf.tensor1d(v)),
        matrices.map((m) => tf.tensor2d(m, [k, c])),
      );
      expect(out.vectorDots.shape).toEqual([entries, c]);
      expect(out.matrixDots.shape).toEqual([entries, c]);
      expectClose(out.vectorDots.dataSync(), expected.v, k);
      expectClose(out.matrixDots.dataSync(), expected.m, k);
    });
  });

  it('leaves no tensors or backend data behind', () => {
    const w = tf.randomNormal([20, 9]) as tf.Tensor2D;
    const v = [tf.randomNormal([20]) as tf.Tensor1D];
    const m = [tf.randomNormal([20, 9]) as tf.Tensor2D];
    tf.dispose(columnDots(w, v, m));
    const before = liveCounts();
    for (let i = 0; i < 3; i++) tf.dispose(columnDots(w, v, m));
    expect(liveCounts()).toEqual(before);
    tf.dispose([w, ...v, ...m]);
  });
});

describe('columnDots', () => {
  it('runs the SIMD kernel on wasm', async () => {
    await tf.setBackend('wasm');
    expect(tf.getKernel('KestrelColumnDots', 'wasm')).toBeDefined();
  });

  it('names the argument and the expected shape on bad input', () => {
    tf.tidy(() => {
      const w = tf.zeros([4, 3]) as tf.Tensor2D;
      expect(() => columnDots(w, [], [])).toThrow('columnDots: expected as many vectors as matrices (at least one), got 0 and 0');
      expect(() => columnDots(w, [tf.zeros([5]) as tf.Tensor1D], [tf.zeros([4, 3]) as tf.Tensor2D])).toThrow(
        'columnDots: vectors[0] must be float32 [4], got float32 [5]',
      );
      expect(() => columnDots(w, [tf.zeros([4]) as tf.Tensor1D], [tf.zeros([4, 2]) as tf.Tensor2D])).toThrow(
        'columnDots: matrices[0] must be float32 [4, 3], got float32 [4, 2]',
      );
      expect(() => columnDots(tf.zeros([4]) as unknown as tf.Tensor2D, [], [])).toThrow('columnDots: weight must be a float32 [K, C] matrix');
    });
  });
});
