import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import workerThreads from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Enables TF.js's threaded SIMD wasm build under Node.
 *
 * TF.js turns threads off in Node (tfjs#3830): it reports no multithread support and hands
 * Emscripten a pthread worker as a Blob URL, which worker_threads cannot load. We
 *  1. report support, so the threaded binary is chosen;
 *  2. write the pthread worker script to a real file (its text ships in the package) and
 *     point Emscripten at it, with a prelude that loads the main script from its file too;
 *  3. make the core count Emscripten sees twice the wanted threads, because the backend's
 *     C++ init uses `num_logical_cores / 2` as the pool size cap;
 *  4. unref the pthread workers afterwards so they never keep the process alive.
 * All patches are undone once the backend is up.
 */
export async function withThreadedWasm<T>(threads: number, outDir: string, init: () => Promise<T>): Promise<T> {
  const workerFile = ensurePthreadWorkerFile(outDir);
  const created: InstanceType<typeof workerThreads.Worker>[] = [];
  const OriginalWorker = workerThreads.Worker;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;

  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  (workerThreads as { Worker: unknown }).Worker = class extends OriginalWorker {
    constructor(...args: ConstructorParameters<typeof OriginalWorker>) {
      super(...args);
      created.push(this);
    }
  };
  URL.createObjectURL = (blob: Blob) =>
    blob.type === 'application/javascript' ? workerFile : originalCreateObjectURL(blob);
  os.cpus = () => {
    const cpus = originalCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  };
  try {
    return await init();
  } finally {
    (workerThreads as { Worker: unknown }).Worker = OriginalWorker;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
    for (const worker of created) worker.unref();
  }
}

/** Writes (once per content) the pthread worker script into the OS temp folder. */
function ensurePthreadWorkerFile(outDir: string): string {
  const mainScript = join(outDir, 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The worker is sent the main script as a Blob, which it cannot import under Node:
  // substitute the script's path before the worker's own handler sees the message.
  const prelude = `;(function(){var handle=self.onmessage;self.onmessage=function(e){` +
    `if(e.data&&e.data.cmd==="load"){e.data.urlOrBlob=${JSON.stringify(mainScript)};}return handle(e);};})();\n`;
  // TF.js escapes "\n" the same way before it builds its Blob.
  const source = `${wasmWorkerContents.replace(/\n/g, '\\n')}\n${prelude}`;
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = join(os.tmpdir(), `kestrel-wasm-pthread-${hash}.js`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, file);
  }
  return file;
}
