import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const repoRoot = resolve(__dirname, '..', '..', '..', '..');

describe('initBackend in bundled code', () => {
  it('finds the .wasm files through KESTREL_WASM_DIR and runs threaded wasm, far from node_modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kestrel-bundle-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        "import { initBackend, tf } from '@kestrel/runtime';",
        'initBackend({ logger: { info() {}, warn() {} } }).then((report) => {',
        '  const y = tf.conv2d(tf.ones([1, 4, 4, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, "valid");',
        '  console.log(JSON.stringify({ backend: report.backend, threads: report.threads, y: Array.from(y.dataSync()) }));',
        '});',
      ].join('\n'),
    );
    const outfile = join(dir, 'bundle.js');
    buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile,
      tsconfig: join(repoRoot, 'tsconfig.base.json'),
      absWorkingDir: repoRoot,
      logLevel: 'silent',
    });
    const wasmDir = join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
    const out = execFileSync(process.execPath, [outfile], {
      cwd: dir,
      env: { ...process.env, KESTREL_WASM_DIR: wasmDir, KESTREL_WASM_THREADS: '2', NODE_PATH: '' },
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ backend: 'wasm', threads: 2, y: [18, 18, 18, 18] });
  }, 60_000);
});
