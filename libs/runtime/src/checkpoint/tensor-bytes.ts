/**
 * Conversion between TF.js tensors and safetensors raw bytes.
 *
 * Written: float32 → F32, int32 → I32, bool → BOOL (bit-exact, NaN payloads and -0 included).
 * Read: F32/I32/BOOL become views on the file buffer when aligned (no copy); F16, BF16 and F64
 * become float32; I8, U8, I16, U16, U32, I64 and U64 become int32, with an error naming the
 * tensor if a value does not fit (TF.js has no 64-bit or unsigned dtypes).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsError, type RawTensor, type SafetensorsDtype } from './safetensors';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const WRITE_DTYPES: Partial<Record<tf.DataType, SafetensorsDtype>> = {
  float32: 'F32',
  int32: 'I32',
  bool: 'BOOL',
};

/** Raw little-endian bytes of a tensor (a view of its data on little-endian hosts, no copy). */
export async function tensorToRaw(tensor: tf.Tensor, name: string): Promise<RawTensor> {
  const dtype = WRITE_DTYPES[tensor.dtype];
  if (dtype === undefined) throw new SafetensorsError('encode', `cannot store a ${tensor.dtype} tensor (only float32, int32, bool)`, name, 'dtype');
  const values = (await tensor.data()) as Float32Array | Int32Array | Uint8Array;
  let data = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (!LITTLE_ENDIAN && values.BYTES_PER_ELEMENT === 4) {
    data = new Uint8Array(values.byteLength);
    const out = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) {
      if (values instanceof Float32Array) out.setFloat32(4 * i, values[i] as number, true);
      else out.setInt32(4 * i, values[i] as number, true);
    }
  }
  return { dtype, shape: [...tensor.shape], data };
}

/** IEEE 754 binary16 → number (exact). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero / subnormal
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the top half of a float32. */
export function bfloat16ToFloat(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

function convert(raw: RawTensor, read: (view: DataView, index: number) => number, name: string, source: string): Float32Array | Int32Array {
  const count = raw.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  const toInt = !['F16', 'BF16', 'F64', 'F32'].includes(raw.dtype);
  const out = toInt ? new Int32Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const value = read(view, i);
    if (toInt && (value < -0x80000000 || value > 0x7fffffff)) {
      throw new SafetensorsError(source, `${raw.dtype} value ${value} at index ${i} does not fit in int32`, name);
    }
    out[i] = value;
  }
  return out;
}

function readInt64(view: DataView, i: number, signed: boolean): number {
  const value = signed ? view.getBigInt64(8 * i, true) : view.getBigUint64(8 * i, true);
  // Out-of-range values are reported by the caller's int32 check; clamp keeps Number() exact.
  if (value > 0x7fffffffn) return 0x80000000;
  if (value < -0x80000000n) return -0x80000001;
  return Number(value);
}

/** Typed array over `data` without copying when the offset allows it, else an aligned copy. */
function aligned<T>(data: Uint8Array, bytesPerElement: number, make: (buffer: ArrayBufferLike, offset: number, length: number) => T): T {
  const length = data.byteLength / bytesPerElement;
  if (data.byteOffset % bytesPerElement === 0) return make(data.buffer, data.byteOffset, length);
  const copy = data.slice();
  return make(copy.buffer, 0, length);
}

/**
 * A TF.js tensor holding `raw`'s values. Float32/int32/bool data stay views on the file buffer,
 * which therefore lives as long as any tensor loaded from it.
 */
export function rawToTensor(raw: RawTensor, name: string, source: string): tf.Tensor {
  const shape = raw.shape;
  switch (raw.dtype) {
    case 'F32':
      if (LITTLE_ENDIAN) return tf.tensor(aligned(raw.data, 4, (b, o, l) => new Float32Array(b, o, l)), shape, 'float32');
      return tf.tensor(convert(raw, (v, i) => v.getFloat32(4 * i, true), name, source), shape, 'float32');
    case 'I32':
      if (LITTLE_ENDIAN) return tf.tensor(aligned(raw.data, 4, (b, o, l) => new Int32Array(b, o, l)), shape, 'int32');
      return tf.tensor(convert(raw, (v, i) => v.getInt32(4 * i, true), name, source), shape, 'int32');
    case 'BOOL': {
      const bad = raw.data.findIndex((b) => b > 1);
      if (bad >= 0) throw new SafetensorsError(source, `BOOL byte ${raw.data[bad]} at index ${bad} is not 0 or 1`, name);
      return tf.tensor(new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), shape, 'bool');
    }
    case 'F16':
      return tf.tensor(convert(raw, (v, i) => halfToFloat(v.getUint16(2 * i, true)), name, source), shape, 'float32');
    case 'BF16':
      return tf.tensor(convert(raw, (v, i) => bfloat16ToFloat(v.getUint16(2 * i, true)), name, source), shape, 'float32');
    case 'F64':
      return tf.tensor(convert(raw, (v, i) => v.getFloat64(8 * i, true), name, source), shape, 'float32');
    case 'U8':
      return tf.tensor(convert(raw, (v, i) => v.getUint8(i), name, source), shape, 'int32');
    case 'I8':
      return tf.tensor(convert(raw, (v, i) => v.getInt8(i), name, source), shape, 'int32');
    case 'I16':
      return tf.tensor(convert(raw, (v, i) => v.getInt16(2 * i, true), name, source), shape, 'int32');
    case 'U16':
      return tf.tensor(convert(raw, (v, i) => v.getUint16(2 * i, true), name, source), shape, 'int32');
    case 'U32':
      return tf.tensor(convert(raw, (v, i) => v.getUint32(4 * i, true), name, source), shape, 'int32');
    case 'I64':
      return tf.tensor(convert(raw, (v, i) => readInt64(v, i, true), name, source), shape, 'int32');
    case 'U64':
      return tf.tensor(convert(raw, (v, i) => readInt64(v, i, false), name, source), shape, 'int32');
    default: {
      const unknown: never = raw.dtype;
      throw new SafetensorsError(source, `unsupported dtype ${JSON.stringify(unknown)}`, name, 'dtype');
    }
  }
}
