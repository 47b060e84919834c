import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeNativeProvider } from './native-probe';

describe('probeNativeProvider', () => {
  it('reports a package whose native binding was never downloaded without requiring it', () => {
    // A fake tfjs-node install as npm leaves it when the libtensorflow download fails but the
    // package stays: package.json present, binding file absent. Requiring its index would throw.
    const root = mkdtempSync(join(tmpdir(), 'kestrel-probe-'));
    const pkg = join(root, 'node_modules', '@tensorflow', 'tfjs-node');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'index.js'), "throw new Error('must not be required');");
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: '@tensorflow/tfjs-node',
        version: '4.22.0',
        main: 'index.js',
        binary: { module_name: 'tfjs_binding', module_path: './lib/napi-v{napi_build_version}/', napi_versions: [8] },
      }),
    );
    const preGyp = join(root, 'node_modules', '@mapbox', 'node-pre-gyp');
    mkdirSync(preGyp, { recursive: true });
    writeFileSync(join(preGyp, 'package.json'), JSON.stringify({ name: '@mapbox/node-pre-gyp', main: 'index.js' }));
    writeFileSync(
      join(preGyp, 'index.js'),
      "const p=require('path');exports.find=(pj)=>p.join(p.dirname(pj),'lib','napi-v8','tfjs_binding.node');",
    );
    const probe = probeNativeProvider('@tensorflow/tfjs-node', [root]);
    expect(probe.ok).toBe(false);
    expect(probe.ok === false && probe.reason).toMatch(/^native binding missing at .*tfjs_binding\.node \(libtensorflow was not downloaded\)$/);
  });
});
