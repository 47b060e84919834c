import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { initBackend, type BackendReport } from '../backend';

const quiet = { info: () => undefined, warn: () => undefined };

/** Initialises wasm (with Kestrel's kernels) and registers cpu, for side-by-side comparisons. */
export async function setUpBackends(threads = 1): Promise<BackendReport> {
  require('@tensorflow/tfjs-backend-cpu');
  tf.env().set('IS_TEST', true); // silences the cpu backend's "install tfjs-node" banner
  const report = await initBackend({ backend: 'wasm', threads, logger: quiet });
  await tf.ready();
  return report;
}

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [-1, 1). */
export function randomValues(size: number, random: () => number): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = random() * 2 - 1;
  return values;
}

export interface Input {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

/** Runs `kernel` on `backend` with fresh tensors and returns its output values and shape. */
export async function runKernelOn(
  backend: 'wasm' | 'cpu',
  kernel: string,
  inputs: Record<string, Input>,
  attrs: object,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const tensors: tf.NamedTensorMap = {};
  for (const [name, input] of Object.entries(inputs)) {
    tensors[name] = tf.tensor(input.values, input.shape, input.dtype ?? 'float32');
  }
  const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const values = new Float32Array(out.dataSync());
  const shape = out.shape.slice();
  out.dispose();
  for (const t of Object.values(tensors)) t.dispose();
  return { values, shape };
}

/**
 * Asserts float32 agreement: |a − b| ≤ tol · max(1, max|expected|) everywhere (errors of long
 * float32 sums scale with the magnitude of the values summed).
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4, what = ''): void {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (!(diff <= worst)) {
      worst = diff;
      at = i;
    }
  }
  if (!(worst <= tol * scale)) {
    throw new Error(`${what}: max |diff| ${worst} at ${at} (got ${actual[at]}, want ${expected[at]}) > ${tol} × ${scale}`);
  }
}

/** Tensor and wasm data counts, which must not grow across repeated calls. */
export function liveCounts(): { tensors: number; wasmData: number } {
  const backend = tf.findBackend('wasm') as unknown as { numDataIds(): number };
  return { tensors: tf.memory().numTensors, wasmData: backend.numDataIds() };
}

/**
 * dx and dW of a (depthwise) convolution evaluated straight from its definition, in float64:
 * the reference where the cpu backend cannot serve (it ignores dilation in these kernels).
 */
export function referenceConvGradients(
  info: backend_util.Conv2DInfo,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  depthwise: boolean,
): { dx: Float64Array; dw: Float64Array } {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const multiplier = depthwise ? outChannels / inChannels : 0;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < batchSize; n++)
    for (let oy = 0; oy < outHeight; oy++)
      for (let ox = 0; ox < outWidth; ox++)
        for (let ky = 0; ky < filterHeight; ky++)
          for (let kx = 0; kx < filterWidth; kx++) {
            const iy = oy * info.strideHeight + ky * info.dilationHeight - info.padInfo.top;
            const ix = ox * info.strideWidth + kx * info.dilationWidth - info.padInfo.left;
            if (iy < 0 || iy >= inHeight || ix < 0 || ix >= inWidth) continue;
            for (let co = 0; co < outChannels; co++) {
              const g = dy[((n * outHeight + oy) * outWidth + ox) * outChannels + co]!;
              const first = depthwise ? Math.floor(co / multiplier) : 0;
              const last = depthwise ? first + 1 : inChannels;
              for (let ci = first; ci < last; ci++) {
                const xi = ((n * inHeight + iy) * inWidth + ix) * inChannels + ci;
                const wi = depthwise
                  ? ((ky * filterWidth + kx) * inChannels + ci) * multiplier + (co % multiplier)
                  : ((ky * filterWidth + kx) * inChannels + ci) * outChannels + co;
                dw[wi] += x[xi]! * g;
                dx[xi] += w[wi]! * g;
              }
            }
          }
  return { dx, dw };
}
