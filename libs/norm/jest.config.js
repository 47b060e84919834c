'use strict';
module.exports = { ...require('../../jest.preset.js'), displayName: 'norm', rootDir: __dirname };
