/**
 * The safetensors container format (https://github.com/huggingface/safetensors), bytes only:
 *
 *   [8 bytes: N, unsigned little-endian u64]
 *   [N bytes: UTF-8 JSON header {"__metadata__": {str: str}, name: {dtype, shape, data_offsets}}]
 *   [data: tensors back to back; data_offsets are [begin, end) relative to the start of data]
 *
 * The writer matches the reference Rust writer byte for byte: compact JSON, `__metadata__` first,
 * tensors ordered by dtype (wider first, the reference's descending enum order) then name, header
 * padded with spaces to a multiple of 8 so every tensor starts 8-byte aligned in the file.
 * The reader applies the reference's validation (contiguous, non-overlapping, complete offsets;
 * byte length = elements × dtype size) and returns zero-copy views into the input.
 */

export type SafetensorsDtype = 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

/** Bytes per element. */
export const DTYPE_SIZES: Readonly<Record<SafetensorsDtype, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** Position in the reference implementation's `Dtype` enum; the writer sorts by it, descending. */
const DTYPE_ORDER: Readonly<Record<SafetensorsDtype, number>> = {
  BOOL: 0,
  U8: 1,
  I8: 2,
  I16: 3,
  U16: 4,
  F16: 5,
  BF16: 6,
  I32: 7,
  U32: 8,
  F32: 9,
  F64: 10,
  I64: 11,
  U64: 12,
};

/** One tensor as raw little-endian bytes. */
export interface RawTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Uint8Array;
}

export interface SafetensorsContents {
  /** Tensors in file (data offset) order; `data` are views into the decoded buffer. */
  tensors: Map<string, RawTensor>;
  /** The `__metadata__` string map, if the file has one. */
  metadata: Record<string, string> | undefined;
}

/** The reference implementation's limit on the header size. */
export const MAX_HEADER_BYTES = 100_000_000;

export const METADATA_FIELD = '__metadata__';

export class SafetensorsError extends Error {
  constructor(
    /** File name (or a label for an in-memory buffer). */
    readonly source: string,
    message: string,
    /** Offending tensor, when the problem is specific to one. */
    readonly tensor?: string,
    /** Offending header field (`dtype`, `shape`, `data_offsets`, `__metadata__`…). */
    readonly field?: string,
  ) {
    const where = tensor === undefined ? '' : ` tensor ${JSON.stringify(tensor)}${field === undefined ? '' : ` field ${field}`}:`;
    super(`${source}:${where} ${message}`);
    this.name = 'SafetensorsError';
  }
}

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZES, value);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Serialises tensors into safetensors bytes, returned as chunks (the header first, then each
 * tensor's data in file order) so large tensors are written without being concatenated.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, RawTensor>> | ReadonlyMap<string, RawTensor>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array[] {
  const entries: Array<[string, RawTensor]> =
    tensors instanceof Map ? [...(tensors as ReadonlyMap<string, RawTensor>).entries()] : Object.entries(tensors as Record<string, RawTensor>);
  for (const [name, tensor] of entries) {
    if (name === METADATA_FIELD) throw new SafetensorsError('encode', `the name ${METADATA_FIELD} is reserved`, name);
    if (!isSafetensorsDtype(tensor.dtype)) throw new SafetensorsError('encode', `unknown dtype ${JSON.stringify(tensor.dtype)}`, name, 'dtype');
    if (!tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError('encode', `shape must be non-negative integers, got ${JSON.stringify(tensor.shape)}`, name, 'shape');
    }
    const expected = elementCount(tensor.shape) * DTYPE_SIZES[tensor.dtype];
    if (tensor.data.byteLength !== expected) {
      throw new SafetensorsError(
        'encode',
        `shape ${JSON.stringify(tensor.shape)} × ${tensor.dtype} needs ${expected} bytes, got ${tensor.data.byteLength}`,
        name,
      );
    }
  }
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new SafetensorsError('encode', `metadata value for ${JSON.stringify(key)} must be a string`, undefined, METADATA_FIELD);
    }
  }
  entries.sort(([nameA, a], [nameB, b]) => DTYPE_ORDER[b.dtype] - DTYPE_ORDER[a.dtype] || compareUtf8(nameA, nameB));

  // Build the header by hand so key order is exactly: __metadata__, then tensors in data order.
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`${JSON.stringify(METADATA_FIELD)}:${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const [name, tensor] of entries) {
    const end = offset + tensor.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":${JSON.stringify(tensor.dtype)},"shape":${JSON.stringify(tensor.shape)},"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const head = Buffer.alloc(8 + padded, 0x20); // spaces pad the JSON, as the reference writer does
  head.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(head, 8);
  return [head, ...entries.map(([, tensor]) => tensor.data)];
}

type HeaderEntry = { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number };

function parseEntry(source: string, name: string, value: unknown): HeaderEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SafetensorsError(source, 'header entry must be an object', name);
  }
  const record = value as Record<string, unknown>;
  const { dtype, shape, data_offsets: offsets } = record;
  if (!isSafetensorsDtype(dtype)) throw new SafetensorsError(source, `unknown dtype ${JSON.stringify(dtype)}`, name, 'dtype');
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(source, `must be an array of non-negative integers, got ${JSON.stringify(shape)}`, name, 'shape');
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    (offsets[0] as number) > (offsets[1] as number)
  ) {
    throw new SafetensorsError(source, `must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`, name, 'data_offsets');
  }
  const extra = Object.keys(record).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
  if (extra.length > 0) throw new SafetensorsError(source, `unknown field(s) ${extra.join(', ')}`, name);
  return { name, dtype, shape: shape as number[], begin: offsets[0] as number, end: offsets[1] as number };
}

/**
 * Parses and validates safetensors bytes. The returned tensor data are views into `bytes`
 * (no copy). `source` names the file in error messages.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContents {
  if (bytes.byteLength < 8) throw new SafetensorsError(source, `file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(source, `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const n = Number(headerLength);
  if (8 + n > bytes.byteLength) {
    throw new SafetensorsError(source, `header length ${n} runs past the end of the ${bytes.byteLength}-byte file`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError(source, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new SafetensorsError(source, `header must start with '{', got ${JSON.stringify(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(source, `header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(source, 'header must be a JSON object');
  }

  let metadata: Record<string, string> | undefined;
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_FIELD) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SafetensorsError(source, `${METADATA_FIELD} must be an object of strings`, undefined, METADATA_FIELD);
      }
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (typeof item !== 'string') {
          throw new SafetensorsError(source, `${METADATA_FIELD} value for ${JSON.stringify(key)} must be a string, got ${JSON.stringify(item)}`);
        }
      }
      metadata = value as Record<string, string>;
      continue;
    }
    entries.push(parseEntry(source, name, value));
  }

  // Data must be tiled exactly by the tensors: sorted by offset, no gap, no overlap, no tail.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataStart = 8 + n;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, RawTensor>();
  let expectedBegin = 0;
  let previous: string | undefined;
  for (const entry of entries) {
    if (entry.begin !== expectedBegin) {
      const problem =
        entry.begin < expectedBegin
          ? `overlaps ${JSON.stringify(previous)}, which ends at ${expectedBegin}`
          : previous === undefined
            ? 'leaves a gap: the first tensor must start at 0'
            : `leaves a gap after ${JSON.stringify(previous)}, which ends at ${expectedBegin}`;
      throw new SafetensorsError(source, `data_offsets [${entry.begin}, ${entry.end}] ${problem}`, entry.name, 'data_offsets');
    }
    if (entry.end > dataLength) {
      throw new SafetensorsError(
        source,
        `data_offsets [${entry.begin}, ${entry.end}] run past the end of the ${dataLength}-byte data section`,
        entry.name,
        'data_offsets',
      );
    }
    const count = elementCount(entry.shape);
    const needed = count * DTYPE_SIZES[entry.dtype];
    if (!Number.isSafeInteger(count) || needed !== entry.end - entry.begin) {
      throw new SafetensorsError(
        source,
        `shape ${JSON.stringify(entry.shape)} × ${entry.dtype} (${DTYPE_SIZES[entry.dtype]} bytes) needs ${needed} bytes ` +
          `but data_offsets [${entry.begin}, ${entry.end}] span ${entry.end - entry.begin}`,
        entry.name,
      );
    }
    tensors.set(entry.name, {
      dtype: entry.dtype,
      shape: entry.shape,
      data: bytes.subarray(dataStart + entry.begin, dataStart + entry.end),
    });
    expectedBegin = entry.end;
    previous = entry.name;
  }
  if (expectedBegin !== dataLength) {
    throw new SafetensorsError(
      source,
      `data section is ${dataLength} bytes but the tensors cover ${expectedBegin}: the file is truncated or has trailing bytes`,
    );
  }
  return { tensors, metadata };
}
