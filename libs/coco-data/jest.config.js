'use strict';
module.exports = { ...require('../../jest.preset.js'), displayName: 'coco-data', rootDir: __dirname };
