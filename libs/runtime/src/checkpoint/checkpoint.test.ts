import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kaimingNormal } from '../module/init';
import { Module } from '../module/module';
import { Rng } from '../module/rng';
import { disposeStateDict } from '../module/state-dict';
import { isTempFileName } from './atomic-write';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { checkpointFileName, latestCheckpoint, listCheckpoints } from './checkpoint-files';

let dir: string;
beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'kestrel-ckpt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytesOf = (t: tf.Tensor): number[] => {
  const v = t.dataSync();
  return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
};

/** float32 bit patterns, built from their IEEE 754 encodings. */
const SPECIAL_FLOAT_BITS = [
  0x00000000, // +0
  0x80000000, // -0
  0x7fc00000, // quiet NaN
  0x7fc00001, // NaN with payload
  0xffffffff, // negative NaN, all payload bits
  0x7f800000, // +Infinity
  0xff800000, // -Infinity
  0x00000001, // smallest subnormal 2^-149
  0x807fffff, // largest negative subnormal
  0x00800000, // smallest normal 2^-126
  0x7f7fffff, // largest finite
  0x3f800000, // 1
];

function specialFloats(): tf.Tensor {
  return tf.tensor(new Float32Array(new Uint32Array(SPECIAL_FLOAT_BITS).buffer), [3, 4], 'float32');
}

describe('checkpoint round trip', () => {
  it('is bit-exact for float32 specials, int32 extremes, bool, scalars and empty tensors', async () => {
    const tensors: Record<string, tf.Tensor> = {
      specials: specialFloats(),
      ints: tf.tensor([-2147483648, 2147483647, 0, -1], [2, 2], 'int32'),
      flags: tf.tensor([true, false, true], [3], 'bool'),
      scalar: tf.scalar(2.5),
      intScalar: tf.scalar(7, 'int32'),
      empty: tf.zeros([0]),
      empty3d: tf.zeros([2, 0, 3], 'int32'),
    };
    const file = join(dir, 'roundtrip.safetensors');
    await saveCheckpoint(file, { tensors, metadata: { step: 3 } });
    const loaded = await loadCheckpoint(file);
    expect(Object.keys(loaded.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, original] of Object.entries(tensors)) {
      const copy = loaded.tensors[name]!;
      expect([name, copy.dtype, copy.shape]).toEqual([name, original.dtype, original.shape]);
      expect(bytesOf(copy)).toEqual(bytesOf(original));
    }
    expect(Array.from(new Uint32Array(loaded.tensors['specials']!.dataSync().slice().buffer))).toEqual(SPECIAL_FLOAT_BITS);
    tf.dispose(Object.values(tensors));
    tf.dispose(Object.values(loaded.tensors));
  });

  it('stores JSON metadata as one string under __metadata__.kestrel', async () => {
    const metadata = {
      step: 500,
      config: { norm: 'cbn', lr: 0.02, steps: [100, 200], nested: { ok: true, none: null } },
      rng: new Rng(1).fork('data').state(),
    };
    const chunks = await encodeCheckpoint({ tensors: { x: tf.scalar(1) }, metadata }, { stringMetadata: { format: 'pt' } });
    const bytes = new Uint8Array(Buffer.concat(chunks));
    const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as { __metadata__: Record<string, string> };
    expect(header.__metadata__).toEqual({ format: 'pt', kestrel: JSON.stringify(metadata) });

    const decoded = decodeCheckpoint<typeof metadata>(bytes, 'mem');
    expect(decoded.metadata).toEqual(metadata);
    expect(decoded.stringMetadata['format']).toBe('pt');
    expect(Rng.fromState(decoded.metadata!.rng).random()).toBe(new Rng(1).fork('data').random());
    tf.dispose(Object.values(decoded.tensors));
  });

  it('rejects metadata JSON cannot hold and tensors safetensors cannot hold', async () => {
    const x = tf.scalar(1);
    await expect(encodeCheckpoint({ tensors: { x }, metadata: { loss: NaN } })).rejects.toThrow('checkpoint metadata metadata.loss is NaN');
    await expect(encodeCheckpoint({ tensors: { x }, metadata: { a: [1, undefined as never] } })).rejects.toThrow(/metadata.a\[1\] is not plain JSON/);
    await expect(encodeCheckpoint({ tensors: { x }, metadata: 1 }, { stringMetadata: { kestrel: 'x' } })).rejects.toThrow(/reserved/);
    const c = tf.complex([1], [2]);
    await expect(encodeCheckpoint({ tensors: { c } })).rejects.toThrow('encode: tensor "c" field dtype: cannot store a complex64 tensor');
    tf.dispose([x, c]);
  });

  it('loads foreign dtypes by converting to float32 / int32', () => {
    // Hand-built file: F16 [1, -2, 65504, 2^-24, -0, inf], BF16 [1.0], F64 [0.1], I64 [-5, 2^31-1], U8 [255].
    const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00];
    const data: number[] = [];
    for (const h of f16) data.push(h & 0xff, h >> 8);
    data.push(0x80, 0x3f); // bf16 1.0
    data.push(...new Uint8Array(new Float64Array([0.1]).buffer));
    data.push(...[0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], ...[0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]);
    data.push(255);
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [6], data_offsets: [0, 12] },
      b: { dtype: 'BF16', shape: [1], data_offsets: [12, 14] },
      d: { dtype: 'F64', shape: [1], data_offsets: [14, 22] },
      l: { dtype: 'I64', shape: [2], data_offsets: [22, 38] },
      u: { dtype: 'U8', shape: [1, 1], data_offsets: [38, 39] },
    });
    const file = Buffer.concat([Buffer.alloc(8), Buffer.from(header), Buffer.from(data)]);
    file.writeBigUInt64LE(BigInt(header.length), 0);
    const { tensors } = decodeCheckpoint(file, 'foreign.safetensors');
    expect(Array.from(tensors['h']!.dataSync())).toEqual([1, -2, 65504, 2 ** -24, -0, Infinity]);
    expect(Object.is(tensors['h']!.dataSync()[4], -0)).toBe(true);
    expect(Array.from(tensors['b']!.dataSync())).toEqual([1]);
    expect(tensors['d']!.dataSync()[0]).toBe(Math.fround(0.1));
    expect([tensors['l']!.dtype, Array.from(tensors['l']!.dataSync())]).toEqual(['int32', [-5, 2147483647]]);
    expect([tensors['u']!.dtype, tensors['u']!.shape, tensors['u']!.dataSync()[0]]).toEqual(['int32', [1, 1], 255]);
    tf.dispose(Object.values(tensors));

    // An int64 beyond int32 is an error naming the file and tensor, and leaks nothing.
    const before = tf.memory().numTensors;
    const big = Buffer.from(file);
    big.writeUInt32LE(0x80000000, 8 + header.length + 30); // l[1] = 2^31
    expect(() => decodeCheckpoint(big, 'foreign.safetensors')).toThrow(
      'foreign.safetensors: tensor "l": I64 value 2147483648 at index 1 does not fit in int32',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('shares the file buffer when aligned and copies when not', async () => {
    const w = tf.tensor([1, 2, 3]);
    const bytes = new Uint8Array(Buffer.concat(await encodeCheckpoint({ tensors: { w } })));
    const aligned = decodeCheckpoint(bytes).tensors['w']!;
    expect(aligned.dataSync().buffer).toBe(bytes.buffer);
    // Same file at an odd offset inside a bigger buffer: Float32Array cannot view it.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const copied = decodeCheckpoint(shifted.subarray(1)).tensors['w']!;
    expect(Array.from(copied.dataSync())).toEqual([1, 2, 3]);
    expect(copied.dataSync().buffer).not.toBe(shifted.buffer);
    tf.dispose([w, aligned, copied]);
  });
});

describe('files', () => {
  it('writes exactly the encoded bytes and leaves no temp file', async () => {
    const file = join(dir, 'exact.safetensors');
    const tensors = { a: tf.tensor([1, 2]), b: tf.scalar(3, 'int32') };
    await saveCheckpoint(file, { tensors, metadata: { step: 1 } });
    await saveCheckpoint(file, { tensors, metadata: { step: 2 } }); // overwrite
    const expected = Buffer.concat(await encodeCheckpoint({ tensors, metadata: { step: 2 } }));
    expect(readFileSync(file).equals(expected)).toBe(true);
    expect(readdirSync(dir).filter(isTempFileName)).toEqual([]);
    tf.dispose(Object.values(tensors));
  });

  it('removes the temp file and keeps the old target when the save fails', async () => {
    const sub = join(dir, 'fail');
    mkdirSync(join(sub, 'model_final.safetensors'), { recursive: true }); // rename onto a directory fails
    const x = tf.scalar(1);
    await expect(saveCheckpoint(join(sub, 'model_final.safetensors'), { tensors: { x } })).rejects.toThrow();
    expect(readdirSync(sub)).toEqual(['model_final.safetensors']);
    await expect(saveCheckpoint(join(dir, 'missing-dir', 'x.safetensors'), { tensors: { x } })).rejects.toThrow(/ENOENT/);
    x.dispose();
  });

  it('reports the file name for corrupt files', async () => {
    const file = join(dir, 'truncated.safetensors');
    const x = tf.tensor([1, 2, 3, 4]);
    await saveCheckpoint(file, { tensors: { x } });
    writeFileSync(file, readFileSync(file).subarray(0, -3));
    await expect(loadCheckpoint(file)).rejects.toThrow(`${file}: tensor "x" field data_offsets: data_offsets [0, 16] run past the end`);
    x.dispose();
  });

  it('names, lists and finds checkpoints detectron2-style, ignoring temp files', async () => {
    expect(checkpointFileName(499)).toBe('model_0000499.safetensors');
    expect(checkpointFileName('final')).toBe('model_final.safetensors');
    expect(checkpointFileName(12_345_678, { prefix: 'ema' })).toBe('ema_12345678.safetensors');
    expect(() => checkpointFileName(-1)).toThrow(RangeError);

    const run = join(dir, 'run');
    mkdirSync(run);
    expect(await latestCheckpoint(run)).toBeUndefined();
    expect(await listCheckpoints(join(dir, 'no-such-run'))).toEqual([]);
    for (const name of [
      'model_0000999.safetensors',
      'model_0000499.safetensors',
      '.model_0001499.safetensors.tmp-123-abcdef', // a crashed save
      'model_0001999.safetensors.partial',
      'ema_0000499.safetensors',
      'last_checkpoint',
    ]) {
      writeFileSync(join(run, name), '');
    }
    expect((await listCheckpoints(run)).map((c) => [c.fileName, c.iteration])).toEqual([
      ['model_0000499.safetensors', 499],
      ['model_0000999.safetensors', 999],
    ]);
    expect(await latestCheckpoint(run)).toBe(join(run, 'model_0000999.safetensors'));
    writeFileSync(join(run, 'model_final.safetensors'), '');
    expect(await latestCheckpoint(run)).toBe(join(run, 'model_final.safetensors'));
    expect((await listCheckpoints(run, { prefix: 'ema' })).map((c) => c.iteration)).toEqual([499]);
  });
});

describe('with Module', () => {
  class Net extends Module {
    readonly weight: tf.Variable;
    constructor(seed: number) {
      super();
      this.weight = this.registerParameter('weight', () => kaimingNormal([3, 3, 2, 4], new Rng(seed)));
      this.registerBuffer('step', tf.scalar(seed, 'int32'));
    }
  }

  it('restores a model exactly from a saved state dict without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const source = new Net(1);
    const file = join(dir, checkpointFileName(500));
    const dict = source.stateDict();
    await saveCheckpoint(file, { tensors: dict, metadata: { iteration: 500 } });
    disposeStateDict(dict);

    const target = new Net(2);
    const { tensors, metadata } = await loadCheckpoint<{ iteration: number }>(file);
    target.loadStateDict(tensors);
    disposeStateDict(tensors);
    expect(metadata).toEqual({ iteration: 500 });
    expect(bytesOf(target.weight)).toEqual(bytesOf(source.weight));
    expect(target.buffer('step').dataSync()[0]).toBe(1);
    source.dispose();
    target.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
