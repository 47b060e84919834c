'use strict';
module.exports = { ...require('../../jest.preset.js'), displayName: 'coco-eval', rootDir: __dirname };
