'use strict';
module.exports = { ...require('../../jest.preset.js'), displayName: 'norm-study', rootDir: __dirname };
