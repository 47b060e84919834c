'use strict';
module.exports = { ...require('../../jest.preset.js'), displayName: 'necks', rootDir: __dirname };
