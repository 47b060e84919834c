// @kestrel/runtime: the TF.js runtime every other Kestrel lib stands on.
import './tf-setup';
export * as tf from '@tensorflow/tfjs-core';
export * from './backend';
export { registerWasmTrainingKernels } from './wasm-kernels';
export * from './module';
export { untapedConstant } from './autodiff';
export * from './checkpoint';
export * from './optim';
