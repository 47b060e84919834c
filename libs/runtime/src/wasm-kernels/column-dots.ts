import { COLUMN_DOTS_WASM } from './simd/column-dots.wasm';
import { simdInstance, simdModuleSupported } from './simd/simd-module';
import { allocate, elementOffset, type KernelArgs, type TensorInfo } from './wasm-backend';

/** Name of the kernel behind the runtime's `columnDots` op. */
export const COLUMN_DOTS_KERNEL = 'KestrelColumnDots';

type ColumnDotsExport = (w: number, k: number, c: number, v: number, m: number, vOut: number, mOut: number) => void;

export const columnDotsSupported = (): boolean => simdModuleSupported(COLUMN_DOTS_WASM);

/**
 * For w [K, C], vectors v0… [K] and matrices m0… [K, C] (inputs `w`, `v<e>`, `m<e>`):
 *   vectorDots[e, c] = Σ_k v_e[k]·w[k, c]      matrixDots[e, c] = Σ_k m_e[k, c]·w[k, c]
 * in one SIMD pass over w and m_e per e, in place on the heap (see simd/column-dots.wat).
 * Memory-bound: ~9 G multiply-adds/s on one thread, where XNNPACK's matmul repacks w on every
 * call and Multiply + Sum write and re-read a [K, C] product.
 */
export function columnDots(args: KernelArgs): TensorInfo[] {
  const { backend, inputs } = args;
  const w = inputs['w'] as TensorInfo;
  const [k, c] = w.shape as [number, number];
  const entries = Object.keys(inputs).filter((name) => name.startsWith('v')).length;
  const vectorDots = allocate(backend, [entries, c]);
  const matrixDots = allocate(backend, [entries, c]);
  const run = simdInstance(backend, COLUMN_DOTS_WASM).exports['columnDots'] as ColumnDotsExport;
  const bytes = (info: TensorInfo) => elementOffset(backend, info) * 4;
  for (let e = 0; e < entries; e++) {
    const v = inputs[`v${e}`] as TensorInfo;
    const m = inputs[`m${e}`] as TensorInfo;
    run(bytes(w), k, c, bytes(v), bytes(m), bytes(vectorDots) + e * c * 4, bytes(matrixDots) + e * c * 4);
  }
  return [vectorDots, matrixDots];
}
