// `nx run norm:golden [--fixture FILE] [--backend auto|tensorflow|wasm|cpu] [--tolerance 1e-4]`:
// replays CBN golden fixtures through the library (both conv paths: conv then `forward`, and the
// fused `convForward` ConvNorm uses) and prints the largest relative error of
// each recorded quantity; exits 1 when any exceeds the tolerance.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, parseBackendChoice } from '@kestrel/runtime';
import { loadCbnFixture } from './fixture';
import { replayCbnFixture } from './replay';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      fixture: { type: 'string', multiple: true },
      backend: { type: 'string', default: 'auto' },
      tolerance: { type: 'string', default: '1e-4' },
    },
  });
  const tolerance = Number(values.tolerance);
  if (!(tolerance > 0)) throw new Error(`--tolerance must be a positive number, got "${values.tolerance}"`);
  const fixturesDir = resolve(__dirname, '..', '..', 'fixtures');
  const files = values.fixture?.map((f) => resolve(f)) ??
    readdirSync(fixturesDir).filter((f) => f.endsWith('.json')).map((f) => join(fixturesDir, f));
  const backend = await initBackend({ backend: parseBackendChoice(values.backend!) });
  let failed = 0;
  for (const file of files) for (const path of ['forward', 'fused'] as const) {
    const errors = replayCbnFixture(loadCbnFixture(file), path);
    console.log(`\n${file} (backend ${backend.backend}, ${path} conv path, tolerance ${tolerance})`);
    for (const [quantity, error] of Object.entries(errors)) {
      const ok = error <= tolerance;
      if (!ok) failed++;
      console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${quantity.padEnd(20)} max relative error ${error.toExponential(2)}`);
    }
  }
  console.log(failed === 0 ? '\nall quantities within tolerance' : `\n${failed} quantities above tolerance`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`norm:golden: ${err.message}`);
    process.exit(2);
  },
);
