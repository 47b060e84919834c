import * as tf from '@tensorflow/tfjs-core';
import { expectClose, randomValues, runKernelOn, seededRandom, setUpBackends } from './test-utils';

type Mode = { alignCorners: boolean; halfPixelCenters: boolean };
const MODES: Mode[] = [
  { alignCorners: false, halfPixelCenters: false },
  { alignCorners: true, halfPixelCenters: false },
  { alignCorners: false, halfPixelCenters: true },
];
// [input shape, output size]: FPN-style ×2, non-integer scales, downsampling, odd sizes.
const SIZES: [[number, number, number, number], [number, number]][] = [
  [[2, 4, 5, 3], [8, 10]],
  [[1, 5, 7, 2], [9, 4]],
  [[2, 6, 6, 17], [5, 13]],
];
const CASES = SIZES.flatMap(([shape, size]) => MODES.map((mode) => ({ shape, size, ...mode })));
type Case = (typeof CASES)[number];
const name = (c: Case) => `${c.shape} → ${c.size} align ${c.alignCorners} half ${c.halfPixelCenters}`;

/**
 * dx = Jᵀ·dy from the cpu forward pass itself. Resizing is linear and per channel, so one
 * forward pass over an image whose channel j is the one-hot of pixel j gives every column of J.
 * (The cpu gradient kernels are not a usable reference: nearest uses the wrong batch stride for
 * dy when batch > 1, and neither honours halfPixelCenters.)
 */
async function jacobianGradient(kernel: 'ResizeNearestNeighbor' | 'ResizeBilinear', c: Case, dy: Float32Array): Promise<Float64Array> {
  const [batch, h, w, ch] = c.shape;
  const [oh, ow] = c.size;
  const pixels = h * w;
  const basis = new Float32Array(pixels * pixels);
  for (let j = 0; j < pixels; j++) basis[j * pixels + j] = 1;
  const attrs = { alignCorners: c.alignCorners, halfPixelCenters: c.halfPixelCenters, size: c.size };
  const columns = await runKernelOn('cpu', kernel, { images: { values: basis, shape: [1, h, w, pixels] } }, attrs);
  const dx = new Float64Array(batch * pixels * ch);
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < oh * ow; o++)
      for (let j = 0; j < pixels; j++) {
        const weight = columns.values[o * pixels + j]!;
        if (weight === 0) continue;
        for (let k = 0; k < ch; k++) dx[(n * pixels + j) * ch + k] += weight * dy[(n * oh * ow + o) * ch + k]!;
      }
  return dx;
}

beforeAll(() => setUpBackends());

describe('resize kernels on wasm', () => {
  it.each(CASES.map((c) => [name(c), c] as const))('ResizeNearestNeighbor matches cpu: %s', async (_, c) => {
    const images = { values: randomValues(tf.util.sizeFromShape(c.shape), seededRandom(11)), shape: c.shape };
    const attrs = { alignCorners: c.alignCorners, halfPixelCenters: c.halfPixelCenters, size: c.size };
    const want = await runKernelOn('cpu', 'ResizeNearestNeighbor', { images }, attrs);
    const got = await runKernelOn('wasm', 'ResizeNearestNeighbor', { images }, attrs);
    expect(got.shape).toEqual(want.shape);
    expectClose(got.values, want.values, 0, name(c));
  });

  it.each(CASES.map((c) => [name(c), c] as const))('ResizeNearestNeighborGrad is Jᵀ·dy: %s', async (_, c) => {
    const random = seededRandom(12);
    const dyShape = [c.shape[0], ...c.size, c.shape[3]];
    const dy = randomValues(tf.util.sizeFromShape(dyShape), random);
    const images = { values: randomValues(tf.util.sizeFromShape(c.shape), random), shape: c.shape };
    const attrs = { alignCorners: c.alignCorners, halfPixelCenters: c.halfPixelCenters };
    const got = await runKernelOn('wasm', 'ResizeNearestNeighborGrad', { images, dy: { values: dy, shape: dyShape } }, attrs);
    expect(got.shape).toEqual(c.shape);
    expectClose(got.values, await jacobianGradient('ResizeNearestNeighbor', c, dy), 1e-5, name(c));
  });

  it.each(CASES.map((c) => [name(c), c] as const))('ResizeBilinearGrad is Jᵀ·dy: %s', async (_, c) => {
    const random = seededRandom(13);
    const dyShape = [c.shape[0], ...c.size, c.shape[3]];
    const dy = randomValues(tf.util.sizeFromShape(dyShape), random);
    const images = { values: randomValues(tf.util.sizeFromShape(c.shape), random), shape: c.shape };
    const attrs = { alignCorners: c.alignCorners, halfPixelCenters: c.halfPixelCenters };
    const got = await runKernelOn('wasm', 'ResizeBilinearGrad', { images, dy: { values: dy, shape: dyShape } }, attrs);
    expect(got.shape).toEqual(c.shape);
    expectClose(got.values, await jacobianGradient('ResizeBilinear', c, dy), 1e-5, name(c));
    if (!c.halfPixelCenters) {
      // Where the cpu kernel is right (no half-pixel centers) it must agree too; it reports the
      // shape as [b, w, h, c], so compare values only.
      const want = await runKernelOn('cpu', 'ResizeBilinearGrad', { images, dy: { values: dy, shape: dyShape } }, attrs);
      expectClose(got.values, want.values, 1e-5, `cpu ${name(c)}`);
    }
  });

  it('ResizeNearestNeighborGrad matches cpu for batch 1 (where cpu is right)', async () => {
    const c = { shape: [1, 5, 6, 4] as [number, number, number, number], size: [10, 12] };
    const random = seededRandom(14);
    const dyShape = [1, 10, 12, 4];
    const dy = { values: randomValues(tf.util.sizeFromShape(dyShape), random), shape: dyShape };
    const images = { values: randomValues(tf.util.sizeFromShape(c.shape), random), shape: c.shape };
    const attrs = { alignCorners: false, halfPixelCenters: false };
    const want = await runKernelOn('cpu', 'ResizeNearestNeighborGrad', { images, dy }, attrs);
    const got = await runKernelOn('wasm', 'ResizeNearestNeighborGrad', { images, dy }, attrs);
    expectClose(got.values, want.values, 1e-6, 'batch 1');
  });
});
