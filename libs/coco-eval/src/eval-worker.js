'use strict';
// Worker-thread entry, in plain CommonJS so that it starts the same way under Jest, tsx and
// plain node: next to the TypeScript sources it loads them through tsx's require hook; next to
// compiled output it loads the compiled worker-main.js.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const tsSource = join(__dirname, 'worker-main.ts');
if (existsSync(tsSource)) {
  // The worker only needs relative imports; point tsx at this library's tsconfig so that a
  // TSX_TSCONFIG_PATH meant for another working directory cannot break it (env is per worker).
  process.env.TSX_TSCONFIG_PATH = join(__dirname, '..', 'tsconfig.json');
  require('tsx/cjs');
  require(tsSource);
} else {
  require('./worker-main.js');
}
