'use strict';
module.exports = { ...require('../../jest.preset.js'), displayName: 'heads', rootDir: __dirname };
