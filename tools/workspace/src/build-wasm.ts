// `nx run workspace:wasm`: regenerates the runtime's SIMD wasm modules from their .wat sources
// (see wasm-modules.ts). A workspace test fails when a generated file is out of date.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateWasmModules } from './wasm-modules';

const workspaceRoot = resolve(__dirname, '..', '..', '..');

generateWasmModules(workspaceRoot)
  .then((modules) => {
    for (const m of modules) {
      writeFileSync(join(workspaceRoot, m.path), m.content);
      console.log(`wrote ${m.path}`);
    }
  })
  .catch((err: Error) => {
    console.error(`workspace:wasm: ${err.message}`);
    process.exit(1);
  });
