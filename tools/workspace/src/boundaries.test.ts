import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkBoundaries, findCycle, findImports, type DepConstraint } from './boundaries';
import type { ProjectEntry } from './workspace-map';

const constraints = (
  JSON.parse(readFileSync(join(__dirname, '..', 'boundaries.json'), 'utf8')) as { depConstraints: DepConstraint[] }
).depConstraints;

const projects: ProjectEntry[] = [
  { name: 'runtime', root: 'libs/runtime', tags: ['layer:runtime', 'domain:generic'] },
  { name: 'norm', root: 'libs/norm', tags: ['layer:core', 'domain:generic'] },
  { name: 'ops', root: 'libs/ops', tags: ['layer:core', 'domain:detection'] },
  { name: 'detectors', root: 'libs/detectors', tags: ['layer:detector', 'domain:detection'] },
  { name: 'trainer', root: 'apps/trainer', tags: ['layer:app', 'domain:detection'] },
];

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kestrel-ws-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('findImports', () => {
  it('finds static, side-effect, dynamic and require imports with line numbers, not text in strings or comments', () => {
    const text = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { a,\n  b } from './a';",
      "import './side-effect';",
      "export { c } from \"@kestrel/ops\";",
      "const d = require('node:fs');",
      "const e = await import('../e');",
      "const notAnImport = \"import x from '@kestrel/ops'\"; // require('@kestrel/ops')",
    ].join('\n');
    expect(findImports('f.ts', text).map((s) => [s.specifier, s.line])).toEqual([
      ['@tensorflow/tfjs-core', 1],
      ['./a', 3], // the line of the specifier
      ['./side-effect', 4],
      ['@kestrel/ops', 5],
      ['node:fs', 6],
      ['../e', 7],
    ]);
  });
});

describe('checkBoundaries', () => {
  it('accepts imports that point down the layers through public entry points', () => {
    const root = workspace({
      'libs/runtime/src/index.ts': 'export const x = 1;',
      'libs/norm/src/index.ts': "import { x } from '@kestrel/runtime';",
      'libs/ops/src/index.ts': "import { x } from '@kestrel/runtime';",
      'libs/detectors/src/index.ts': "import '@kestrel/norm';\nimport '@kestrel/ops';",
      'apps/trainer/src/main.ts': "import '@kestrel/detectors';",
    });
    expect(checkBoundaries(root, projects, constraints)).toEqual([]);
  });

  it('rejects norm importing detection code, upward imports, deep imports and cycles', () => {
    const root = workspace({
      'libs/runtime/src/index.ts': "import '@kestrel/norm';",
      'libs/norm/src/index.ts': "import { boxes } from '@kestrel/ops';\nimport '../../runtime/src/index';",
      'libs/ops/src/index.ts': "import '@kestrel/detectors/src/x';",
      'libs/detectors/src/index.ts': '',
      'apps/trainer/src/main.ts': '',
    });
    const problems = checkBoundaries(root, projects, constraints);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^libs\/runtime\/src\/index.ts:1: project "runtime" \(layer:runtime\) may only depend on projects tagged layer:runtime, but imports "norm"/),
        expect.stringMatching(/^libs\/norm\/src\/index.ts:1: project "norm" \(domain:generic\) may only depend on projects tagged domain:generic, but imports "ops"/),
        expect.stringMatching(/^libs\/norm\/src\/index.ts:2: imports "..\/..\/runtime\/src\/index", reaching inside project "runtime"/),
        expect.stringMatching(/^libs\/ops\/src\/index.ts:1: imports "@kestrel\/detectors\/src\/x", reaching inside project "detectors"/),
        expect.stringMatching(/^libs\/ops\/src\/index.ts:1: project "ops" \(layer:core\) may only depend on .* but imports "detectors"/),
        expect.stringMatching(/^dependency cycle between projects: (runtime -> norm -> runtime|norm -> runtime -> norm)$/),
      ]),
    );
  });
});

describe('findCycle', () => {
  it('returns undefined for a DAG and the loop otherwise', () => {
    const dag = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set<string>()]]);
    expect(findCycle(dag)).toBeUndefined();
    dag.get('c')!.add('a');
    expect(findCycle(dag)).toEqual(['a', 'b', 'c', 'a']);
  });
});
