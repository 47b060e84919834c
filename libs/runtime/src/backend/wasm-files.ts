import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** Folder of the installed tfjs-backend-wasm package. */
export function wasmPackageDir(): string {
  return dirname(require.resolve(`${WASM_PACKAGE}/package.json`));
}

/**
 * Directory holding the `.wasm` binaries. Passed explicitly to `setWasmPaths` so tsx, Jest,
 * compiled output and bundles all find them (a bundle otherwise silently falls back to `cpu`).
 */
export function resolveWasmDir(explicit?: string): string {
  const dir = explicit ?? process.env['KESTREL_WASM_DIR'] ?? join(wasmPackageDir(), 'dist');
  const probe = join(dir, 'tfjs-backend-wasm-simd.wasm');
  if (!existsSync(probe)) {
    throw new Error(`wasm backend: ${probe} not found (set wasmDir or KESTREL_WASM_DIR to the folder of the .wasm files)`);
  }
  return dir.endsWith('/') ? dir : `${dir}/`;
}
