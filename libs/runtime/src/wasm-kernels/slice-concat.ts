import * as tf from '@tensorflow/tfjs-core';
import { backend_util, slice_util } from '@tensorflow/tfjs-core';
import { allocate, elementOffset, wholeHeapFor, type KernelArgs, type TensorInfo, type WasmBackend } from './wasm-backend';

/**
 * Slice as block copies within the heap. The wasm kernel first copies the whole input out of
 * the heap (`readSync`) on every call — ~0.04 G elements/s, which makes the Pad, Concat/Split
 * and Tile gradients (all slices) crawl. Strings go to the built-in kernel.
 */
export function makeSlice(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args as unknown as KernelArgs<{ begin: number | number[]; size: number | number[] }>;
    const x = inputs['x'] as TensorInfo;
    if (x.dtype === 'string') return builtIn(args);
    const [begin, size] = slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, attrs.begin, attrs.size);
    return sliceHeap(backend, x, begin, size);
  };
}

/** SplitV as slices (the wasm one calls its own slow Slice directly). */
export function makeSplitV(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args as unknown as KernelArgs<{ numOrSizeSplits: number | number[]; axis: number }>;
    const x = inputs['x'] as TensorInfo;
    if (x.dtype === 'string') return builtIn(args);
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, attrs.numOrSizeSplits, axis);
    const begin = x.shape.map(() => 0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[axis] = s;
      const piece = sliceHeap(backend, x, begin, size);
      begin[axis] += s;
      return piece;
    });
  };
}

function sliceHeap(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = allocate(backend, size, x.dtype);
  const total = tf.util.sizeFromShape(size);
  if (total === 0) return out;
  const rank = x.shape.length;
  const strides = [...tf.util.computeStrides(x.shape), 1];
  // Trailing axes taken whole merge with the last partial one into one contiguous block.
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) inner--;
  const block = rank === 0 ? 1 : size[inner]! * strides[inner]!;
  const heap = wholeHeapFor(backend, x.dtype);
  let src = elementOffset(backend, x);
  for (let a = 0; a < rank; a++) src += begin[a]! * strides[a]!;
  let dst = elementOffset(backend, out);
  const count = total / block;
  const index = new Array<number>(inner).fill(0);
  for (let b = 0; b < count; b++, dst += block) {
    let offset = src;
    for (let a = 0; a < inner; a++) offset += index[a]! * strides[a]!;
    heap.copyWithin(dst, offset, offset + block);
    for (let a = inner - 1; a >= 0; a--) {
      if (++index[a]! < size[a]!) break;
      index[a] = 0;
    }
  }
  return out;
}

/** Concat as block copies within the heap (the wasm one makes a view object per block). */
export function makeConcat(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args as unknown as { inputs: TensorInfo[]; attrs: { axis: number }; backend: WasmBackend };
    const list = (Array.isArray(inputs) ? inputs : Object.values(inputs)) as TensorInfo[];
    if (list.length === 0 || list[0]!.dtype === 'string') return builtIn(args);
    const axis = tf.util.parseAxisParam(attrs.axis, list[0]!.shape)[0]!;
    backend_util.assertParamsConsistent(list.map((t) => t.shape), axis);
    const outShape = backend_util.computeOutShape(list.map((t) => t.shape), axis);
    const out = allocate(backend, outShape, list[0]!.dtype);
    const outer = tf.util.sizeFromShape(outShape.slice(0, axis));
    const rowLength = tf.util.sizeFromShape(outShape.slice(axis));
    const heap = wholeHeapFor(backend, list[0]!.dtype);
    const dst = elementOffset(backend, out);
    let column = 0;
    for (const t of list) {
      const piece = tf.util.sizeFromShape(t.shape.slice(axis));
      if (piece === 0) continue;
      const src = elementOffset(backend, t);
      for (let r = 0; r < outer; r++) heap.copyWithin(dst + r * rowLength + column, src + r * piece, src + (r + 1) * piece);
      column += piece;
    }
    return out;
  };
}
