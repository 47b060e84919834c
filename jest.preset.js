// Shared Jest settings: @swc/jest strips types (type checking is the separate `typecheck`
// target), and @kestrel/* aliases resolve to each lib's public src/index.ts.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const swcrc = JSON.parse(readFileSync(join(__dirname, '.swcrc'), 'utf8'));
const { paths } = JSON.parse(readFileSync(join(__dirname, 'tsconfig.base.json'), 'utf8')).compilerOptions;

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(paths)) {
  moduleNameMapper[`^${alias.replace(/[/]/g, '\\/')}$`] = join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  // Numerical tests on 2 shared cores: seconds, not milliseconds.
  testTimeout: 60_000,
  setupFiles: [join(__dirname, 'jest.setup.js')],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
