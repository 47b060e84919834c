import type { WasmBackend } from '../wasm-backend';

/** The bytes of a hand-written module for a shared (threaded build) and a plain heap. */
export interface SimdModuleSource {
  shared: string;
  unshared: string;
}

// The slice of the WebAssembly JS API used here (the TS libs this workspace compiles against
// do not declare it).
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
type WasmModule = object;
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const compiled = new WeakMap<SimdModuleSource, { shared?: WasmModule; unshared?: WasmModule }>();
const instances = new WeakMap<WasmMemory, Map<SimdModuleSource, WasmInstance>>();

/**
 * Whether this JS engine runs the module (wasm SIMD, and shared memory for the threaded
 * variant); kernels built on it are only registered where it does.
 */
export function simdModuleSupported(source: SimdModuleSource): boolean {
  return wasm.validate(decode(source.shared)) || wasm.validate(decode(source.unshared));
}

/**
 * The module instantiated over the wasm backend's own heap (its exports read and write tensors
 * in place, by byte offset); one instance per heap and module.
 */
export function simdInstance(backend: WasmBackend, source: SimdModuleSource): WasmInstance {
  const memory = backendMemory(backend);
  let perMemory = instances.get(memory);
  if (!perMemory) instances.set(memory, (perMemory = new Map()));
  let instance = perMemory.get(source);
  if (!instance) {
    const variant = memory.buffer instanceof SharedArrayBuffer ? 'shared' : 'unshared';
    let modules = compiled.get(source);
    if (!modules) compiled.set(source, (modules = {}));
    const module = (modules[variant] ??= new wasm.Module(decode(source[variant])));
    instance = new wasm.Instance(module, { env: { memory } });
    perMemory.set(source, instance);
  }
  return instance;
}

/**
 * The backend's WebAssembly.Memory: `wasmMemory` in the threaded build, the module's `memory`
 * export (`asm.memory`) in the single-threaded one.
 */
function backendMemory(backend: WasmBackend): WasmMemory {
  const module = backend.wasm as unknown as { wasmMemory?: WasmMemory; asm?: Record<string, unknown> };
  const memory = module.wasmMemory ?? (module.asm?.['memory'] as WasmMemory | undefined);
  if (!memory || !memory.buffer) throw new Error('the wasm backend exposes no WebAssembly.Memory (neither wasmMemory nor asm.memory)');
  return memory;
}

function decode(base64: string): Uint8Array {
  return Uint8Array.from(Buffer.from(base64, 'base64'));
}
