import * as tf from '@tensorflow/tfjs-core';
import { broadcast_util } from '@tensorflow/tfjs-core';
import {
  allocate,
  heapF32,
  release,
  reshapedView,
  runWasmKernel,
  withTemporaries,
  type KernelArgs,
  type TensorInfo,
  type WasmBackend,
} from './wasm-backend';

/** Below this many multiply-adds per matrix a JS loop beats creating an XNNPACK operator. */
const SMALL_MATMUL_MACS = 1 << 15;

type XnnMatMul = (backend: WasmBackend, a: TensorInfo, b: TensorInfo) => TensorInfo;

/**
 * BatchMatMul that always reaches XNNPACK's fully-connected path. The built-in kernel takes it
 * only for a single, untransposed product (b is the weights); with a transpose — which every
 * matmul gradient requests — or a batch it falls to a naive loop (1–3 GFLOP/s). Here transposed
 * operands are transposed first, a batch over a shared b is folded into rows, and other batches
 * run one product at a time.
 */
export function makeBatchMatMul(builtIn: tf.KernelFunc): tf.KernelFunc {
  const xnnMatMul: XnnMatMul = (backend, a, b) =>
    builtIn({ inputs: { a, b }, attrs: { transposeA: false, transposeB: false }, backend }) as TensorInfo;
  return (args) => batchMatMul(args as unknown as KernelArgs, xnnMatMul);
}

function batchMatMul(args: KernelArgs, xnnMatMul: XnnMatMul): TensorInfo {
  const { backend } = args;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error('BatchMatMul on wasm supports float32 only');
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (k !== kB) {
    throw new Error(`Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
      `and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const outBatchShape = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...outBatchShape, m, n];
  const batch = tf.util.sizeFromShape(outBatchShape);
  const a3 = reshapedView(a, transposeA ? [batchA, k, m] : [batchA, m, k]);
  const b3 = reshapedView(b, transposeB ? [batchB, n, k] : [batchB, k, n]);

  if (batchB === 1) {
    // One product: a's batch (if any) folded into rows, b is the weights.
    return withTemporaries(backend, (keep) => {
      const aRows = transposeA ? keep(transposeLast2(backend, a3)) : a3;
      const bMatrix = transposeB ? keep(transposeLast2(backend, b3)) : b3;
      const out = xnnMatMul(backend, reshapedView(aRows, [1, batchA * m, k]), reshapedView(bMatrix, [1, k, n]));
      return { ...out, shape: outShape };
    });
  }
  const aIndex = broadcastIndices(outBatchShape, a.shape.slice(0, -2));
  const bIndex = broadcastIndices(outBatchShape, b.shape.slice(0, -2));
  return batchedMatMul(backend, a3, b3, transposeA, transposeB, { batch, aIndex, bIndex, m, k, n, outShape }, xnnMatMul);
}

interface BatchedShape {
  batch: number;
  /** Matrix of a / b used by each output matrix (batch broadcasting). */
  aIndex: Int32Array;
  bIndex: Int32Array;
  m: number;
  k: number;
  n: number;
  outShape: number[];
}

function batchedMatMul(
  backend: WasmBackend,
  a3: TensorInfo,
  b3: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  s: BatchedShape,
  xnnMatMul: XnnMatMul,
): TensorInfo {
  const out = allocate(backend, [s.batch, s.m, s.n]);
  try {
    if (s.m * s.k * s.n <= SMALL_MATMUL_MACS) {
      smallMatMuls(heapF32(backend, a3), heapF32(backend, b3), heapF32(backend, out), transposeA, transposeB, s);
    } else {
      for (let i = 0; i < s.batch; i++) {
        withTemporaries(backend, (keep) => {
          const ai = keep(matrixOf(backend, a3, s.aIndex[i], transposeA));
          const bi = keep(matrixOf(backend, b3, s.bIndex[i], transposeB));
          const product = keep(xnnMatMul(backend, ai, bi));
          heapF32(backend, out).set(heapF32(backend, product), i * s.m * s.n);
        });
      }
    }
  } catch (err) {
    release(backend, out);
    throw err;
  }
  return { ...out, shape: s.outShape };
}

/** [batch, r, c] → [batch, c, r] with the wasm Transpose kernel. */
function transposeLast2(backend: WasmBackend, x: TensorInfo): TensorInfo {
  return runWasmKernel('Transpose', { x }, { perm: [0, 2, 1] }, backend);
}

/** Matrix `index` of a [batch, r, c] tensor as its own [1, rows, cols] tensor, transposed if asked. */
function matrixOf(backend: WasmBackend, x: TensorInfo, index: number, transpose: boolean): TensorInfo {
  const [, r, c] = x.shape as [number, number, number];
  const out = allocate(backend, transpose ? [1, c, r] : [1, r, c]);
  const src = heapF32(backend, x).subarray(index * r * c, (index + 1) * r * c);
  const dst = heapF32(backend, out);
  if (!transpose) {
    dst.set(src);
  } else {
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) dst[j * r + i] = src[i * c + j];
  }
  return out;
}

/** Naive products for small matrices, reading transposed operands in place. */
function smallMatMuls(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  transposeA: boolean,
  transposeB: boolean,
  s: BatchedShape,
): void {
  const { m, k, n } = s;
  const row = new Float64Array(n);
  for (let i = 0; i < s.batch; i++) {
    const aBase = s.aIndex[i] * m * k;
    const bBase = s.bIndex[i] * k * n;
    for (let r = 0; r < m; r++) {
      row.fill(0);
      for (let t = 0; t < k; t++) {
        const av = a[aBase + (transposeA ? t * m + r : r * k + t)];
        if (transposeB) for (let c = 0; c < n; c++) row[c] += av * b[bBase + c * k + t];
        else for (let c = 0, j = bBase + t * n; c < n; c++, j++) row[c] += av * b[j];
      }
      out.set(row, (i * m + r) * n);
    }
  }
}

/** For each matrix of the broadcast batch, the index of the operand's matrix it reads. */
function broadcastIndices(outBatchShape: number[], batchShape: number[]): Int32Array {
  const total = tf.util.sizeFromShape(outBatchShape);
  const indices = new Int32Array(total);
  const offset = outBatchShape.length - batchShape.length;
  const strides = tf.util.computeStrides(batchShape);
  for (let i = 0; i < total; i++) {
    let rest = i;
    let index = 0;
    for (let d = outBatchShape.length - 1; d >= 0; d--) {
      const coord = rest % outBatchShape[d];
      rest = Math.floor(rest / outBatchShape[d]);
      const bd = d - offset;
      if (bd >= 0 && batchShape[bd] > 1) index += coord * (strides[bd] ?? 1);
    }
    indices[i] = index;
  }
  return indices;
}
