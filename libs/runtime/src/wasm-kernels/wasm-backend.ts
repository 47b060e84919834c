import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The wasm backend as our kernels see it (type only: the package is loaded by `initBackend`). */
export type WasmBackend = BackendWasm;
export type TensorInfo = tf.TensorInfo;
export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** Arguments every kernel function receives. */
export interface KernelArgs<A = tf.NamedAttrMap> {
  inputs: tf.NamedTensorInfoMap;
  attrs: A;
  backend: WasmBackend;
}

/**
 * Runs another wasm kernel directly (not through the engine, so nothing is recorded on the
 * tape and the result is a bare TensorInfo the caller must free or return).
 */
export function runWasmKernel(
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  backend: WasmBackend,
): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name} returned ${out.length} outputs, expected one`);
  return out;
}

/** Allocates an uninitialised output on the wasm heap (`fill(0)` it if it must start at zero). */
export function allocate(backend: WasmBackend, shape: number[], dtype: tf.DataType = 'float32'): TensorInfo {
  return backend.makeOutput(shape, dtype);
}

/**
 * A typed view of a tensor's bytes on the wasm heap. Allocating anything (including running a
 * kernel) may grow the heap and detach earlier views, so take views after the last allocation.
 */
export function heapView(backend: WasmBackend, info: TensorInfo): TypedArray {
  return backend.typedArrayFromHeap(info) as TypedArray;
}

/**
 * The whole heap as float32, with `elementOffset` giving where a tensor starts in it: copies
 * between tensors then become `heap.copyWithin(dst, src, src + n)`, a memmove — several times
 * faster than element loops or `set(subarray(…))` (which allocates a view per call) for the
 * short rows these kernels move. Same caveat as `heapView`: take it after the last allocation.
 */
export function wholeHeapF32(backend: WasmBackend): Float32Array {
  return new Float32Array(heapBytes(backend).buffer);
}

/** Emscripten's byte view of the heap (its typings are not installed, hence the cast). */
function heapBytes(backend: WasmBackend): Uint8Array {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
}

/** The whole heap in units of `dtype`'s element size (for dtype-agnostic copies). */
export function wholeHeapFor(backend: WasmBackend, dtype: tf.DataType): Int32Array | Uint8Array {
  if (dtype === 'bool') return heapBytes(backend);
  if (dtype === 'float32' || dtype === 'int32') return new Int32Array(heapBytes(backend).buffer);
  throw new Error(`unsupported dtype ${dtype}`);
}

/** Index of a tensor's first element in the whole-heap view of its dtype. */
export function elementOffset(backend: WasmBackend, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset / (info.dtype === 'bool' ? 1 : 4);
}

export function heapF32(backend: WasmBackend, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function heapI32(backend: WasmBackend, info: TensorInfo): Int32Array {
  if (info.dtype !== 'int32') throw new Error(`expected an int32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Int32Array;
}

/**
 * The same heap data seen with another shape (no copy, no reference taken). Such a view is only
 * valid while its source lives and must never be disposed itself.
 */
export function reshapedView(info: TensorInfo, shape: number[]): TensorInfo {
  if (tf.util.sizeFromShape(shape) !== tf.util.sizeFromShape(info.shape)) {
    throw new Error(`cannot view shape [${info.shape}] as [${shape}]`);
  }
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/**
 * A float32 tensor over part of another tensor's heap memory, starting `offset` elements in:
 * how a kernel hands a sub-block of a buffer to another kernel without copying it. Must be
 * dropped with `releaseAlias` (never `release`: the memory belongs to `base`) before `base` is.
 */
export function aliasView(backend: WasmBackend, base: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const { memoryOffset } = backend.dataIdMap.get(base.dataId)!;
  const end = offset + tf.util.sizeFromShape(shape);
  if (offset < 0 || end > tf.util.sizeFromShape(base.shape)) {
    throw new Error(`alias [${offset}, ${end}) outside a tensor of ${tf.util.sizeFromShape(base.shape)} elements`);
  }
  return backend.makeOutput(shape, 'float32', memoryOffset + 4 * offset);
}

/** Forgets an alias: unregisters it (dropping any XNNPACK operator cached on it) without freeing memory. */
export function releaseAlias(backend: WasmBackend, alias: TensorInfo): void {
  // `has` first: DataStorage.get on an unknown id tries to move data in from another backend.
  if (!backend.dataIdMap.has(alias.dataId)) return;
  backend.wasm.tfjs.disposeData(backend.dataIdMap.get(alias.dataId)!.id);
  backend.dataIdMap.delete(alias.dataId);
}

/** Frees temporaries made inside a kernel (also drops XNNPACK operators cached on them). */
export function release(backend: WasmBackend, ...infos: (TensorInfo | undefined)[]): void {
  for (const info of infos) if (info) backend.disposeData(info.dataId);
}

/**
 * Runs `body` with a list that collects temporaries; everything collected is freed afterwards,
 * also when `body` throws. Returned tensors must not be collected.
 */
export function withTemporaries<T>(backend: WasmBackend, body: (keep: <I extends TensorInfo>(t: I) => I) => T): T {
  const temporaries: TensorInfo[] = [];
  try {
    return body((t) => {
      temporaries.push(t);
      return t;
    });
  } finally {
    release(backend, ...temporaries);
  }
}

/** `[a, b]` from a number-or-pair attribute. */
export function pair(value: number | [number, number] | number[] | undefined, fallback = 1): [number, number] {
  if (value == null) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  return [value[0] ?? fallback, value[1] ?? value[0] ?? fallback];
}

/** Throws for NCHW: XNNPACK (and these kernels) work on NHWC only. */
export function assertChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on wasm supports dataFormat NHWC only, got ${String(dataFormat)}`);
  }
}
