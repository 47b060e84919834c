// @kestrel/runtime: the TF.js runtime every other Kestrel lib stands on.
import './tf-setup';
export * as tf from '@tensorflow/tfjs-core';
export * from './backend';
export { describeWasmTrainingKernels, registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './wasm-kernels';
export * from './module';
export { untapedConstant } from './autodiff';
export * from './checkpoint';
export * from './optim';
export { columnDots } from './ops/column-dots';
export { conv2dFilterGradientParts, type FilterGradientConv, type UpstreamPart } from './ops/filter-gradient-parts';
