/** Backends Kestrel can run on, in the order `auto` tries them. */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** Minimal structural logger so callers can pass pino or anything shaped like it. */
export interface BackendLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface InitBackendOptions {
  /** Which backend to use; `auto` picks the first that loads. Default `auto` (or env KESTREL_BACKEND). */
  backend?: BackendChoice;
  /** XNNPACK threads for wasm. Default: number of logical cores, at most 8 (or env KESTREL_WASM_THREADS). */
  threads?: number;
  /** Directory holding the tfjs-backend-wasm `.wasm` files. Default: found next to the installed package. */
  wasmDir?: string;
  /** Register Kestrel's wasm training kernels (gradients wasm lacks or runs slowly). Default true. */
  trainingKernels?: boolean;
  /** Where to write the "chosen backend" line. Default: the Kestrel logger. */
  logger?: BackendLogger;
}

/** Why one candidate was or was not used. */
export interface BackendAttempt {
  backend: BackendName;
  /** npm package that provides it. */
  provider: string;
  ok: boolean;
  reason: string;
}

export interface BackendReport {
  backend: BackendName;
  provider: string;
  /** Threads the backend computes with: 1 for cpu, the XNNPACK pool size for wasm, 0 when TensorFlow manages its own. */
  threads: number;
  attempts: BackendAttempt[];
}
