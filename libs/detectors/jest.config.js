'use strict';
module.exports = { ...require('../../jest.preset.js'), displayName: 'detectors', rootDir: __dirname };
