import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** Folder of the installed tfjs-backend-wasm package. */
export function wasmPackageDir(): string {
  return dirname(require.resolve(`${WASM_PACKAGE}/package.json`));
}

/**
 * The package's `wasm-out` folder (Emscripten's JS for the threaded build), next to the
 * `dist` folder holding the `.wasm` files; undefined when a bundle shipped only the binaries.
 */
export function wasmOutDir(wasmDir: string): string | undefined {
  const dir = join(wasmDir, '..', 'wasm-out');
  return existsSync(join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) ? dir : undefined;
}

/**
 * Directory holding the `.wasm` binaries. Passed explicitly to `setWasmPaths` so tsx, Jest,
 * compiled output and bundles all find them (a bundle otherwise silently falls back to `cpu`).
 */
export function resolveWasmDir(explicit?: string): string {
  let dir = explicit ?? process.env['KESTREL_WASM_DIR'];
  if (dir === undefined) {
    try {
      dir = join(wasmPackageDir(), 'dist');
    } catch {
      throw new Error(`wasm backend: cannot locate ${WASM_PACKAGE} (bundled code: set wasmDir or KESTREL_WASM_DIR to the folder of its .wasm files)`);
    }
  }
  const probe = join(dir, 'tfjs-backend-wasm-simd.wasm');
  if (!existsSync(probe)) {
    throw new Error(`wasm backend: ${probe} not found (set wasmDir or KESTREL_WASM_DIR to the folder of the .wasm files)`);
  }
  return dir.endsWith('/') ? dir : `${dir}/`;
}
