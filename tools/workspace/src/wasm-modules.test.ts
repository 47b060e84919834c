import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateWasmModules, validateWasm } from './wasm-modules';

const workspaceRoot = resolve(__dirname, '..', '..', '..');

describe('generated SIMD wasm modules', () => {
  it('are up to date with their .wat sources (run `nx run workspace:wasm`)', async () => {
    const modules = await generateWasmModules(workspaceRoot);
    expect(modules.length).toBeGreaterThan(0);
    for (const m of modules) {
      expect({ path: m.path, content: readFileSync(join(workspaceRoot, m.path), 'utf8') }).toEqual({ path: m.path, content: m.content });
    }
  });

  it('assemble into modules that validate with SIMD, shared and plain', async () => {
    for (const m of await generateWasmModules(workspaceRoot)) {
      const variants = [...m.content.matchAll(/^ {2}(\w+): '([A-Za-z0-9+/=]+)',$/gm)];
      expect(variants.map((v) => v[1])).toEqual(['shared', 'unshared']);
      for (const v of variants) expect(validateWasm(Buffer.from(v[2]!, 'base64'))).toBe(true);
    }
  });
});
