import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, SafetensorsError, type RawTensor } from './safetensors';

const DTYPE_ALIGN: Record<string, number> = { F64: 8, I32: 4, BF16: 2 };
const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));
const concat = (chunks: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(chunks));

/** A file from a header text and data bytes, assembled by hand per the spec (no padding added). */
function fileOf(header: string, data: number[] = [], declaredLength?: number): Uint8Array {
  const length = declaredLength ?? Buffer.byteLength(header);
  const prefix = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => Math.floor(length / 2 ** (8 * i)) % 256);
  return new Uint8Array([...prefix, ...Buffer.from(header, 'utf8'), ...data]);
}

describe('encodeSafetensors', () => {
  it('produces the bytes the spec and the reference writer give for a small example', () => {
    // Reference order: dtype descending (F32 > I32 > BOOL), then name; __metadata__ first.
    const header =
      '{"__metadata__":{"k":"v"},' +
      '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"b":{"dtype":"I32","shape":[],"data_offsets":[8,12]},' +
      '"m":{"dtype":"BOOL","shape":[3],"data_offsets":[12,15]}}';
    expect(header.length).toBe(188); // 188 = 23 · 8 + 4 → 4 spaces of padding → N = 192 = 0xc0
    const expected = new Uint8Array([
      ...[0xc0, 0, 0, 0, 0, 0, 0, 0],
      ...ascii(header),
      ...ascii('    '),
      ...[0x00, 0x00, 0x80, 0x3f], // 1.0f
      ...[0x00, 0x00, 0x00, 0xc0], // -2.0f
      ...[0x07, 0x00, 0x00, 0x00], // int32 7
      ...[0x01, 0x00, 0x01], // true, false, true
    ]);
    const tensors: Record<string, RawTensor> = {
      m: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
      b: { dtype: 'I32', shape: [], data: new Uint8Array([7, 0, 0, 0]) },
      a: { dtype: 'F32', shape: [2], data: new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]) },
    };
    expect(Array.from(concat(encodeSafetensors(tensors, { k: 'v' })))).toEqual(Array.from(expected));
  });

  it('pads a 65-byte header with 7 spaces so the data starts 8-byte aligned', () => {
    // The same case as the reference crate's alignment test: one F32 [1, 1, 2, 3] tensor "attn0".
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(65); // → 7 spaces → N = 72
    const floats = [0, 1, 2, 3, 4, 5];
    const data = new Uint8Array(new Float32Array(floats).buffer);
    const expected = [72, 0, 0, 0, 0, 0, 0, 0, ...ascii(header), ...ascii('       '), ...[0, 0, 0, 0], ...[0, 0, 0x80, 0x3f]];
    const bytes = concat(encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data } }));
    expect(bytes.length).toBe(8 + 72 + 24);
    expect(Array.from(bytes.subarray(0, expected.length))).toEqual(expected); // header, 0.0f, 1.0f
    expect(Array.from(new Float32Array(bytes.slice(80).buffer))).toEqual(floats);
  });

  it('writes an empty file as "{}" padded to 8 bytes, and no __metadata__ when none is given', () => {
    expect(Array.from(concat(encodeSafetensors({})))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...ascii('{}      ')]);
    const header = '{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}';
    expect(header.length).toBe(56); // already a multiple of 8: no padding
    expect(Array.from(concat(encodeSafetensors({ e: { dtype: 'F32', shape: [0, 3], data: new Uint8Array(0) } })))).toEqual([
      56, 0, 0, 0, 0, 0, 0, 0, ...ascii(header),
    ]);
  });

  it('sorts names by UTF-8 bytes within a dtype and escapes them as JSON', () => {
    const one = (v: number): RawTensor => ({ dtype: 'U8', shape: [1], data: new Uint8Array([v]) });
    const bytes = concat(encodeSafetensors({ 'é': one(3), 'Z': one(2), 'a"b': one(1) }));
    const n = bytes[0]!;
    const header = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8').trimEnd();
    expect(header).toBe(
      '{"Z":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},' +
        '"a\\"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},' +
        '"é":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}',
    );
    expect(Array.from(bytes.subarray(8 + n))).toEqual([2, 1, 3]);
  });

  it('rejects inconsistent input', () => {
    expect(() => encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: new Uint8Array(8) } })).toThrow(
      'tensor "x": shape [3] × F32 needs 12 bytes, got 8',
    );
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } })).toThrow(/reserved/);
    expect(() => encodeSafetensors({ x: { dtype: 'F8' as 'F32', shape: [], data: new Uint8Array(1) } })).toThrow(/unknown dtype "F8"/);
  });
});

describe('decodeSafetensors', () => {
  it('reads a hand-built file into views of the input', () => {
    const header = '{"__metadata__":{"step":"5"},"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"s":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}';
    const bytes = fileOf(header, [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 9, 0, 0, 0, 0, 0, 0, 0]);
    const { tensors, metadata } = decodeSafetensors(bytes, 'x.safetensors');
    expect(metadata).toEqual({ step: '5' });
    expect([...tensors.keys()]).toEqual(['w', 's']);
    const w = tensors.get('w')!;
    expect(w.dtype).toBe('F32');
    expect(w.shape).toEqual([1, 2]);
    expect(Array.from(new Float32Array(w.data.slice().buffer))).toEqual([1, 2]);
    expect(w.data.buffer).toBe(bytes.buffer); // a view, not a copy
    expect(w.data.byteOffset).toBe(8 + header.length);
    expect(Array.from(tensors.get('s')!.data)).toEqual([9, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('accepts padding spaces after the JSON and tensors listed out of offset order', () => {
    const header = '{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}   ';
    const { tensors } = decodeSafetensors(fileOf(header, [10, 20]));
    expect([...tensors.entries()].map(([k, v]) => [k, v.data[0]])).toEqual([
      ['a', 10],
      ['b', 20],
    ]);
  });

  const errorOf = (bytes: Uint8Array): SafetensorsError => {
    try {
      decodeSafetensors(bytes, 'bad.safetensors');
    } catch (error) {
      expect(error).toBeInstanceOf(SafetensorsError);
      return error as SafetensorsError;
    }
    throw new Error('expected a SafetensorsError');
  };

  it('rejects bad header lengths', () => {
    expect(errorOf(new Uint8Array([1, 0, 0])).message).toBe(
      'bad.safetensors: file is 3 bytes, too short for the 8-byte header length',
    );
    expect(errorOf(fileOf('{}', [], 100)).message).toBe('bad.safetensors: header length 100 runs past the end of the 10-byte file');
    expect(errorOf(fileOf('{}', [], MAX_HEADER_BYTES + 1)).message).toMatch(/header length 100000001 exceeds the 100000000-byte limit/);
    expect(errorOf(fileOf('{}', [], 2 ** 40)).message).toMatch(/exceeds/);
  });

  it('rejects malformed headers', () => {
    expect(errorOf(fileOf('[1]')).message).toMatch(/header must start with '\{'/);
    expect(errorOf(fileOf('{"a":')).message).toMatch(/header is not valid JSON/);
    expect(errorOf(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0xff])).message).toMatch(/not valid UTF-8/);
    expect(errorOf(fileOf('{"__metadata__":{"k":1}}')).message).toMatch(/__metadata__ value for "k" must be a string/);
  });

  it('names the tensor and field for bad entries', () => {
    const unknown = errorOf(fileOf('{"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}', new Array<number>(16).fill(0)));
    expect(unknown.message).toBe('bad.safetensors: tensor "w" field dtype: unknown dtype "F128"');
    expect([unknown.source, unknown.tensor, unknown.field]).toEqual(['bad.safetensors', 'w', 'dtype']);
    expect(errorOf(fileOf('{"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}')).message).toMatch(/tensor "w" field shape/);
    expect(errorOf(fileOf('{"w":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}', [0])).message).toMatch(
      /tensor "w" field data_offsets: must be \[begin, end\] with 0 <= begin <= end, got \[1,0\]/,
    );
  });

  it('rejects overlapping, gapped, out-of-range and mis-sized data', () => {
    const u8 = (name: string, begin: number, end: number, n = end - begin): string =>
      `"${name}":{"dtype":"U8","shape":[${n}],"data_offsets":[${begin},${end}]}`;
    expect(errorOf(fileOf(`{${u8('a', 0, 4)},${u8('b', 2, 6)}}`, [0, 0, 0, 0, 0, 0])).message).toBe(
      'bad.safetensors: tensor "b" field data_offsets: data_offsets [2, 6] overlaps "a", which ends at 4',
    );
    expect(errorOf(fileOf(`{${u8('a', 0, 2)},${u8('b', 3, 4)}}`, [0, 0, 0, 0])).message).toMatch(
      /tensor "b" field data_offsets: .*leaves a gap after "a", which ends at 2/,
    );
    expect(errorOf(fileOf(`{${u8('a', 1, 2)}}`, [0, 0])).message).toMatch(/tensor "a".*first tensor must start at 0/);
    expect(errorOf(fileOf(`{${u8('a', 0, 8)}}`, [0, 0, 0])).message).toBe(
      'bad.safetensors: tensor "a" field data_offsets: data_offsets [0, 8] run past the end of the 3-byte data section',
    );
    expect(errorOf(fileOf('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Array<number>(8).fill(0))).message).toBe(
      'bad.safetensors: tensor "a": shape [3] × F32 (4 bytes) needs 12 bytes but data_offsets [0, 8] span 8',
    );
    expect(errorOf(fileOf(`{${u8('a', 0, 2)}}`, [0, 0, 0])).message).toMatch(/data section is 3 bytes but the tensors cover 2/);
  });

  it('round-trips what the encoder writes', () => {
    const raw: Record<string, RawTensor> = {
      f64: { dtype: 'F64', shape: [1], data: new Uint8Array(new Float64Array([Math.PI]).buffer) },
      bf: { dtype: 'BF16', shape: [2], data: new Uint8Array([0x80, 0x3f, 0, 0]) },
      i: { dtype: 'I32', shape: [2, 1], data: new Uint8Array(new Int32Array([-1, 5]).buffer) },
    };
    const { tensors, metadata } = decodeSafetensors(concat(encodeSafetensors(raw, { a: 'b' })));
    expect(metadata).toEqual({ a: 'b' });
    expect([...tensors.keys()]).toEqual(['f64', 'i', 'bf']);
    for (const [name, t] of tensors) {
      expect(t.dtype).toBe(raw[name]!.dtype);
      expect(t.shape).toEqual(raw[name]!.shape);
      expect(Array.from(t.data)).toEqual(Array.from(raw[name]!.data));
      // Reference layout: every tensor starts 8-byte aligned in the file (wider dtypes first).
      expect(t.data.byteOffset % DTYPE_ALIGN[t.dtype]!).toBe(0);
    }
  });
});
