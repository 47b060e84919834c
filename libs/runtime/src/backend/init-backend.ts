import '../tf-setup';
import * as tf from '@tensorflow/tfjs-core';
import { createLogger } from '@kestrel/logging';
import { registerWasmTrainingKernels } from '../wasm-kernels';
import { NATIVE_PROVIDERS, probeNativeProvider } from './native-probe';
import {
  BACKEND_CHOICES,
  type BackendAttempt,
  type BackendChoice,
  type BackendName,
  type BackendReport,
  type InitBackendOptions,
} from './types';
import { resolveWasmDir, wasmOutDir } from './wasm-files';
import { withThreadedWasm } from './wasm-threads';

const AUTO_ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const MAX_WASM_THREADS = 8; // the backend pre-creates 8 pthread workers

let current: (BackendReport & { choice: BackendChoice }) | undefined;

/** The backend chosen by the last successful `initBackend`, if any. */
export function currentBackend(): BackendReport | undefined {
  return current;
}

/** Parses a `--backend` value, naming the allowed ones when it is wrong. */
export function parseBackendChoice(value: string, source = '--backend'): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(`${source}: unknown backend "${value}"; expected one of ${BACKEND_CHOICES.join(', ')}`);
}

/**
 * Initialises the best TF.js backend available and logs which one was chosen and why the
 * others were not. `auto` tries tfjs-node-gpu, tfjs-node, threaded wasm, then cpu; an
 * explicit choice fails loudly instead of falling back.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const envChoice = process.env['KESTREL_BACKEND'];
  const choice = options.backend ?? (envChoice ? parseBackendChoice(envChoice, 'KESTREL_BACKEND') : 'auto');
  const logger = options.logger ?? createLogger('runtime');
  if (current && current.choice === choice && tf.getBackend() === current.backend) {
    return current;
  }
  const candidates = choice === 'auto' ? AUTO_ORDER : [choice];
  const attempts: BackendAttempt[] = [];
  for (const backend of candidates) {
    const result = await tryBackend(backend, options);
    attempts.push(...result.attempts);
    if (result.report) {
      current = { ...result.report, attempts, choice };
      const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.provider}: ${a.reason}`);
      logger.info(
        { backend: current.backend, provider: current.provider, threads: current.threads, skipped },
        `TF.js backend: ${current.backend} via ${current.provider} (${current.threads} thread${current.threads === 1 ? '' : 's'})` +
          (skipped.length ? `; not used: ${skipped.join('; ')}` : ''),
      );
      return current;
    }
  }
  const why = attempts.map((a) => `${a.provider}: ${a.reason}`).join('; ');
  throw new Error(`backend "${choice}" could not be initialised: ${why}`);
}

interface TryResult {
  report?: Omit<BackendReport, 'attempts'>;
  attempts: BackendAttempt[];
}

async function tryBackend(backend: BackendName, options: InitBackendOptions): Promise<TryResult> {
  switch (backend) {
    case 'tensorflow':
      return tryNative();
    case 'wasm':
      return tryWasm(options);
    case 'cpu':
      return tryCpu();
  }
}

async function tryNative(): Promise<TryResult> {
  const attempts: BackendAttempt[] = [];
  for (const provider of NATIVE_PROVIDERS) {
    const probe = probeNativeProvider(provider);
    if (!probe.ok) {
      attempts.push({ backend: 'tensorflow', provider, ok: false, reason: probe.reason });
      continue;
    }
    require(provider);
    if (await tf.setBackend('tensorflow')) {
      attempts.push({ backend: 'tensorflow', provider, ok: true, reason: 'native binding loaded' });
      return { report: { backend: 'tensorflow', provider, threads: 0 }, attempts };
    }
    attempts.push({ backend: 'tensorflow', provider, ok: false, reason: 'tf.setBackend("tensorflow") failed' });
  }
  return { attempts };
}

async function tryWasm(options: InitBackendOptions): Promise<TryResult> {
  const provider = '@tensorflow/tfjs-backend-wasm';
  try {
    // Literal requires, so bundlers include the package (the native ones stay optional).
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    const wasmDir = resolveWasmDir(options.wasmDir);
    wasm.setWasmPaths(wasmDir);
    if (options.trainingKernels ?? true) registerWasmTrainingKernels();
    const threads = wantedThreads(options.threads);
    wasm.setThreadsCount(threads);
    const outDir = wasmOutDir(wasmDir);
    const ok =
      threads > 1 && outDir
        ? await withThreadedWasm(threads, outDir, () => tf.setBackend('wasm'))
        : await tf.setBackend('wasm');
    if (!ok) return { attempts: [{ backend: 'wasm', provider, ok: false, reason: 'tf.setBackend("wasm") failed' }] };
    const reason = threads > 1 && !outDir ? `single-threaded: no wasm-out folder next to ${wasmDir}` : 'wasm module loaded';
    return {
      report: { backend: 'wasm', provider, threads: wasm.getThreadsCount() },
      attempts: [{ backend: 'wasm', provider, ok: true, reason }],
    };
  } catch (err) {
    return { attempts: [{ backend: 'wasm', provider, ok: false, reason: (err as Error).message }] };
  }
}

async function tryCpu(): Promise<TryResult> {
  const provider = '@tensorflow/tfjs-backend-cpu';
  require('@tensorflow/tfjs-backend-cpu');
  const ok = await tf.setBackend('cpu');
  // The cpu backend greets its first use with "install tfjs-node"; our log line already says
  // why tensorflow was not used, so skip the banner.
  if (ok) (tf.backend() as { firstUse?: boolean }).firstUse = false;
  return {
    report: ok ? { backend: 'cpu', provider, threads: 1 } : undefined,
    attempts: [{ backend: 'cpu', provider, ok, reason: ok ? 'pure JavaScript' : 'tf.setBackend("cpu") failed' }],
  };
}

function wantedThreads(explicit?: number): number {
  const fromEnv = process.env['KESTREL_WASM_THREADS'];
  const requested = explicit ?? (fromEnv ? Number(fromEnv) : require('node:os').availableParallelism());
  if (!Number.isInteger(requested) || requested < 1) {
    throw new Error(`wasm threads must be a positive integer, got ${String(explicit ?? fromEnv)}`);
  }
  return Math.min(requested, MAX_WASM_THREADS);
}
