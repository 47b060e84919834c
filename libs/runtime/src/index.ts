// @kestrel/runtime: the TF.js runtime every other Kestrel lib stands on.
export * as tf from '@tensorflow/tfjs-core';
export * from './backend';
export { registerWasmTrainingKernels } from './wasm-kernels';
