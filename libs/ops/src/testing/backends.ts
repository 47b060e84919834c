import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@kestrel/runtime';

export type TestBackend = 'cpu' | 'wasm';

/** Backends the differentiable ops are tested on. */
export const TEST_BACKENDS: readonly TestBackend[] = ['cpu', 'wasm'];

/**
 * Initialises wasm (one thread: the ops under test are JavaScript or single-threaded kernels)
 * and cpu once, so a test file can switch between them with `tf.setBackend`.
 */
export async function initTestBackends(): Promise<void> {
  await initBackend({ backend: 'wasm', threads: 1 });
  await initBackend({ backend: 'cpu' });
}

/** Switches to `backend` for the tests of one describe block. */
export function useBackend(backend: TestBackend): void {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    if (tf.getBackend() !== backend) throw new Error(`could not switch to the ${backend} backend`);
  });
}

/** Expects `actual` to equal `expected` elementwise within `tolerance` (absolute). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tolerance)) bad.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  }
  expect(bad.slice(0, 10)).toEqual([]);
}
