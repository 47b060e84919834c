import * as tf from '@tensorflow/tfjs-core';
import { COLUMN_DOTS_KERNEL as KERNEL } from '../wasm-kernels/column-dots';

/**
 * Per-column dot products of several vectors and matrices with one weight matrix W [K, C]:
 *   vectorDots[e, c] = Σ_k vectors[e][k]·W[k, c]          (= stack(vectors) · W)
 *   matrixDots[e, c] = Σ_k matrices[e][k, c]·W[k, c]
 * (CBN's Taylor terms: statistic gradients of past steps against the current filter). Uses the
 * wasm backend's SIMD kernel when registered, standard ops elsewhere. Not differentiable.
 */
export function columnDots(
  weight: tf.Tensor2D,
  vectors: readonly tf.Tensor1D[],
  matrices: readonly tf.Tensor2D[],
): { vectorDots: tf.Tensor2D; matrixDots: tf.Tensor2D } {
  checkShapes(weight, vectors, matrices);
  if (tf.getKernel(KERNEL, tf.getBackend())) {
    const inputs: tf.NamedTensorMap = { w: weight };
    vectors.forEach((v, e) => (inputs[`v${e}`] = v));
    matrices.forEach((m, e) => (inputs[`m${e}`] = m));
    const [vectorDots, matrixDots] = tf.engine().runKernel(KERNEL, inputs, {}) as unknown as [tf.Tensor2D, tf.Tensor2D];
    return { vectorDots: vectorDots!, matrixDots: matrixDots! };
  }
  return tf.tidy(() => ({
    vectorDots: tf.matMul(tf.stack(vectors as tf.Tensor1D[]) as tf.Tensor2D, weight),
    matrixDots: tf.stack(matrices.map((m) => tf.sum(tf.mul(m, weight), 0))) as tf.Tensor2D,
  }));
}

function checkShapes(weight: tf.Tensor, vectors: readonly tf.Tensor[], matrices: readonly tf.Tensor[]): void {
  const fail = (what: string) => {
    throw new Error(`columnDots: ${what}`);
  };
  if (weight.rank !== 2 || weight.dtype !== 'float32') fail(`weight must be a float32 [K, C] matrix, got ${weight.dtype} [${weight.shape.join(', ')}]`);
  const [k, c] = weight.shape as [number, number];
  if (vectors.length === 0 || vectors.length !== matrices.length) {
    fail(`expected as many vectors as matrices (at least one), got ${vectors.length} and ${matrices.length}`);
  }
  vectors.forEach((v, e) => {
    if (v.rank !== 1 || v.shape[0] !== k || v.dtype !== 'float32') fail(`vectors[${e}] must be float32 [${k}], got ${v.dtype} [${v.shape.join(', ')}]`);
  });
  matrices.forEach((m, e) => {
    if (m.rank !== 2 || m.shape[0] !== k || m.shape[1] !== c || m.dtype !== 'float32') {
      fail(`matrices[${e}] must be float32 [${k}, ${c}], got ${m.dtype} [${m.shape.join(', ')}]`);
    }
  });
}
