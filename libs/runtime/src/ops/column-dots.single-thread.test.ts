import * as tf from '@tensorflow/tfjs-core';
import { setUpBackends } from '../wasm-kernels/test-utils';
import { columnDots } from './column-dots';

// One thread loads TF.js's single-threaded wasm build, whose heap is a plain (not shared)
// memory exported as `asm.memory`: the SIMD module's other variant.
beforeAll(() => setUpBackends(1));

it('columnDots runs its SIMD kernel on the single-threaded wasm build', async () => {
  await tf.setBackend('wasm');
  const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
  expect(heap.buffer instanceof SharedArrayBuffer).toBe(false);
  expect(tf.getKernel('KestrelColumnDots', 'wasm')).toBeDefined();
  tf.tidy(() => {
    const w = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const { vectorDots, matrixDots } = columnDots(w, [tf.tensor1d([1, -1])], [tf.tensor2d([1, 1, 1, 2, 2, 2], [2, 3])]);
    expect(Array.from(vectorDots.dataSync())).toEqual([-3, -3, -3]);
    expect(Array.from(matrixDots.dataSync())).toEqual([9, 12, 15]);
  });
});
