/**
 * Checkpoints: TF.js tensors plus JSON metadata in one safetensors file, written atomically.
 *
 * safetensors metadata is a string → string map, so the JSON metadata (config, step, optimizer
 * state descriptors, RNG state…) is stored as one JSON string under `__metadata__.kestrel`. Other
 * string entries (e.g. `format: "pt"` for Hugging Face tooling) can be added via `stringMetadata`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type RawTensor } from './safetensors';
import { rawToTensor, tensorToRaw } from './tensor-bytes';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** `__metadata__` key holding the JSON metadata. */
export const METADATA_KEY = 'kestrel';

export interface CheckpointData<M = JsonValue> {
  /** Tensors by name (e.g. `Module.stateDict()`); not disposed by `saveCheckpoint`. */
  tensors: Record<string, tf.Tensor>;
  /**
   * Plain JSON data (interfaces welcome; checked at run time, so NaN, undefined or class
   * instances are errors rather than silently altered). Omitted from the file when undefined.
   */
  metadata?: M;
}

export interface SaveCheckpointOptions {
  /** Extra `__metadata__` string entries; the key `kestrel` is reserved. Default none. */
  stringMetadata?: Record<string, string>;
}

export interface LoadedCheckpoint<M = JsonValue> {
  /** New tensors owned by the caller (dispose them, e.g. after `loadStateDict`). */
  tensors: Record<string, tf.Tensor>;
  /** The parsed `kestrel` metadata (typed as the caller asserts), or undefined if the file has none. */
  metadata: M | undefined;
  /** The raw `__metadata__` map, including the `kestrel` JSON string. */
  stringMetadata: Record<string, string>;
}

/** Rejects values JSON.stringify would silently change (NaN → null, undefined dropped…). */
function assertJson(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`checkpoint metadata ${path} is ${value}, which JSON cannot represent`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJson(item, `${path}[${i}]`));
    return;
  }
  const proto: unknown = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  // Any realm's Object.prototype (its own prototype is null): structuredClone and vm contexts
  // (Jest) hand out plain objects from another realm.
  if (proto === null || (typeof proto === 'object' && Object.getPrototypeOf(proto) === null)) {
    for (const [key, item] of Object.entries(value as object)) assertJson(item, `${path}.${key}`);
    return;
  }
  throw new TypeError(`checkpoint metadata ${path} is not plain JSON (${value === undefined ? 'undefined' : typeof value})`);
}

/** Encodes tensors + metadata as safetensors chunks (header first, then tensor data). */
export async function encodeCheckpoint<M>(data: CheckpointData<M>, options: SaveCheckpointOptions = {}): Promise<Uint8Array[]> {
  const stringMetadata: Record<string, string> = { ...(options.stringMetadata ?? {}) };
  if (METADATA_KEY in stringMetadata) throw new Error(`stringMetadata: the key ${JSON.stringify(METADATA_KEY)} is reserved for the JSON metadata`);
  if (data.metadata !== undefined) {
    assertJson(data.metadata, 'metadata');
    stringMetadata[METADATA_KEY] = JSON.stringify(data.metadata);
  }
  const raw = new Map<string, RawTensor>();
  for (const [name, tensor] of Object.entries(data.tensors)) {
    if (name === '') throw new SafetensorsError('encode', 'tensor names must be non-empty');
    raw.set(name, await tensorToRaw(tensor, name));
  }
  return encodeSafetensors(raw, Object.keys(stringMetadata).length > 0 ? stringMetadata : undefined);
}

/** Builds tensors and metadata from safetensors bytes; `source` names the file in errors. */
export function decodeCheckpoint<M = JsonValue>(bytes: Uint8Array, source = '<buffer>'): LoadedCheckpoint<M> {
  const contents = decodeSafetensors(bytes, source);
  const stringMetadata = contents.metadata ?? {};
  let metadata: M | undefined;
  const json = stringMetadata[METADATA_KEY];
  if (json !== undefined) {
    try {
      metadata = JSON.parse(json) as M;
    } catch (error) {
      throw new SafetensorsError(source, `__metadata__.${METADATA_KEY} is not valid JSON (${(error as Error).message})`, undefined, '__metadata__');
    }
  }
  const tensors: Record<string, tf.Tensor> = {};
  try {
    for (const [name, raw] of contents.tensors) tensors[name] = rawToTensor(raw, name, source);
  } catch (error) {
    for (const tensor of Object.values(tensors)) tensor.dispose();
    throw error;
  }
  return { tensors, metadata, stringMetadata };
}

/**
 * Saves tensors and JSON metadata to `file` atomically: after a crash at any moment, `file` holds
 * either its previous content or the complete new checkpoint.
 */
export async function saveCheckpoint<M>(file: string, data: CheckpointData<M>, options: SaveCheckpointOptions = {}): Promise<void> {
  await writeFileAtomic(file, await encodeCheckpoint(data, options));
}

/** Reads a whole file into one Buffer (fs.readFile stops at 2 GiB). */
async function readWholeFile(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.allocUnsafeSlow(size); // own ArrayBuffer at offset 0: tensor views stay aligned
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
      if (bytesRead === 0) throw new SafetensorsError(file, `file shrank while reading (${filled} of ${size} bytes)`);
      filled += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/**
 * Loads a checkpoint (any safetensors file). Float32/int32/bool tensors are views on the one
 * buffer the file is read into, so loading copies nothing beyond that read.
 */
export async function loadCheckpoint<M = JsonValue>(file: string): Promise<LoadedCheckpoint<M>> {
  return decodeCheckpoint<M>(await readWholeFile(file), file);
}
