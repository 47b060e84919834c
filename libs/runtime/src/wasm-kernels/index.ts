import * as tf from '@tensorflow/tfjs-core';
import { avgPoolGrad, maxPoolGrad } from './pool-grads';
import { makeBatchMatMul } from './batch-mat-mul';
import { COLUMN_DOTS_KERNEL, columnDots, columnDotsSupported } from './column-dots';
import { conv2DBackpropFilter, conv2DBackpropFilterParts, FILTER_GRADIENT_PARTS_KERNEL } from './conv2d-backprop-filter';
import { conv2DBackpropInput } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilter } from './depthwise-backprop-filter';
import { depthwiseConv2dNativeBackpropInput } from './depthwise-backprop-input';
import { gatherV2 } from './gather-v2';
import { identity, makeCast } from './identity-cast';
import { makeResizeBilinearGrad, resizeNearestNeighbor, resizeNearestNeighborGrad } from './resize';
import { makeConcat, makeSlice, makeSplitV } from './slice-concat';
import { makeSum } from './sum';
import { tile } from './tile';
import { unsortedSegmentSum } from './unsorted-segment-sum';
import type { KernelArgs, TensorInfo } from './wasm-backend';

type OwnKernel = (args: KernelArgs) => TensorInfo | TensorInfo[];

interface KernelSpec {
  name: string;
  /** Builds the kernel function; gets the built-in wasm kernel when there is one. */
  make: (builtIn: tf.KernelConfig | undefined) => tf.KernelFunc;
  why: string;
  /** Registered only where this holds (e.g. the JS engine runs wasm SIMD). */
  supported?: () => boolean;
}

const own = (kernel: OwnKernel) => () => kernel as unknown as tf.KernelFunc;

const KERNELS: KernelSpec[] = [
  // Gradients the wasm backend lacks or computes with naive loops.
  { name: 'Conv2DBackpropFilter', make: own(conv2DBackpropFilter), why: 'missing' },
  { name: 'Conv2DBackpropInput', make: own(conv2DBackpropInput), why: 'naive loop, ~2 GFLOP/s' },
  { name: 'DepthwiseConv2dNativeBackpropFilter', make: own(depthwiseConv2dNativeBackpropFilter), why: 'missing' },
  { name: 'DepthwiseConv2dNativeBackpropInput', make: own(depthwiseConv2dNativeBackpropInput), why: 'missing' },
  { name: 'UnsortedSegmentSum', make: own(unsortedSegmentSum), why: 'missing (the GatherV2 gradient)' },
  {
    name: 'BatchMatMul',
    make: (builtIn) => makeBatchMatMul(required(builtIn, 'BatchMatMul').kernelFunc),
    why: 'transposed (every matmul gradient) or batched products fall to a naive loop',
  },
  { name: 'MaxPoolGrad', make: own(maxPoolGrad), why: 'slow loop (~2.5× slower)' },
  { name: 'AvgPoolGrad', make: own(avgPoolGrad), why: 'slow loop (~2× slower)' },
  { name: 'ResizeNearestNeighborGrad', make: own(resizeNearestNeighborGrad), why: 'slow loop (~2.5× slower)' },
  {
    name: 'ResizeBilinearGrad',
    make: (builtIn) => makeResizeBilinearGrad(required(builtIn, 'ResizeBilinearGrad').kernelFunc),
    why: 'ignores halfPixelCenters',
  },
  // Forward kernels that training runs often and the wasm backend runs pathologically slowly.
  { name: 'ResizeNearestNeighbor', make: own(resizeNearestNeighbor), why: 'slow loop (~2× slower; FPN upsampling)' },
  { name: 'GatherV2', make: own(gatherV2), why: '~12× slower' },
  { name: 'Tile', make: own(tile), why: '~70× slower; aborts on strings' },
  { name: 'Slice', make: (builtIn) => makeSlice(required(builtIn, 'Slice').kernelFunc), why: 'copies the whole input out of the heap per call (Pad/Concat gradients)' },
  { name: 'SplitV', make: (builtIn) => makeSplitV(required(builtIn, 'SplitV').kernelFunc), why: 'uses that Slice' },
  { name: 'Concat', make: (builtIn) => makeConcat(required(builtIn, 'Concat').kernelFunc), why: 'a view object per copied block (~4× slower)' },
  { name: 'Sum', make: (builtIn) => makeSum(required(builtIn, 'Sum').kernelFunc), why: 'transposes before reducing leading axes (bias gradients; ~15× slower)' },
  { name: 'Identity', make: own(identity), why: 'copies; the engine clones every tensor it saves for backprop' },
  { name: 'Cast', make: (builtIn) => makeCast(required(builtIn, 'Cast').kernelFunc), why: 'copies on a same-dtype cast (ReLU gradient)' },
  // Kestrel's own kernels (ops in ../ops compose standard kernels where these are missing).
  {
    name: COLUMN_DOTS_KERNEL,
    make: () => columnDots as unknown as tf.KernelFunc,
    why: 'CBN Taylor terms: per-column dot products in one SIMD pass (hand-written wasm)',
    supported: columnDotsSupported,
  },
  {
    name: FILTER_GRADIENT_PARTS_KERNEL,
    make: own(conv2DBackpropFilterParts),
    why: 'CBN: one filter-gradient GEMM per tap for several upstreams, no concat/split',
  },
];

function required(kernel: tf.KernelConfig | undefined, name: string): tf.KernelConfig {
  if (!kernel) throw new Error(`the wasm backend has no ${name} to build on`);
  return kernel;
}

/** Kernels `registerWasmTrainingKernels` adds to (or replaces in) the wasm backend. */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = KERNELS.map((k) => k.name);

const MARK = Symbol.for('kestrel.wasmTrainingKernel');

/**
 * Registers Kestrel's wasm training kernels: gradients the wasm backend lacks, and replacements
 * for kernels it runs pathologically slowly, built on its fast XNNPACK kernels. Idempotent.
 *
 * Call before the wasm backend initialises: a replaced kernel's setup (its cwrap of the C++
 * function, which our wrappers may still call) then runs through our registration. Called after
 * initialisation the kernels still work, as none needs a setup of its own.
 */
export function registerWasmTrainingKernels(): void {
  // Make sure the built-in kernels are registered first, or importing the package later would
  // overwrite ours.
  require('@tensorflow/tfjs-backend-wasm');
  for (const spec of KERNELS) {
    if (spec.supported && !spec.supported()) continue;
    const existing = tf.getKernel(spec.name, 'wasm');
    if (existing && (existing as unknown as Record<symbol, unknown>)[MARK]) continue;
    const config: tf.KernelConfig = {
      kernelName: spec.name,
      backendName: 'wasm',
      kernelFunc: spec.make(existing),
      ...(existing?.setupFunc ? { setupFunc: existing.setupFunc } : {}),
      ...(existing?.disposeFunc ? { disposeFunc: existing.disposeFunc } : {}),
    };
    (config as unknown as Record<symbol, unknown>)[MARK] = true;
    if (existing) tf.unregisterKernel(spec.name, 'wasm');
    tf.registerKernel(config);
  }
}

/** Why each kernel is registered (for docs and the benchmark). */
export function describeWasmTrainingKernels(): { name: string; why: string }[] {
  return KERNELS.map(({ name, why }) => ({ name, why }));
}
