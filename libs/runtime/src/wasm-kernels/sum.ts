import * as tf from '@tensorflow/tfjs-core';
import { heapF32, reshapedView, runWasmKernel, type KernelArgs, type TensorInfo } from './wasm-backend';

/**
 * Sum over leading axes — the gradient of every per-channel bias/scale (dy summed over N, H, W)
 * — as XNNPACK average pooling over one window covering them, times the window size. The wasm
 * Sum kernel first transposes the reduced axes to the end (a full copy of the activation); a JS
 * loop manages ~0.5 G elements/s; the pooling ~3 G/s, threaded. Other reductions go to the
 * built-in kernel.
 */
export function makeSum(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args as unknown as KernelArgs<{ axis: number | number[]; keepDims: boolean }>;
    const x = inputs['x'] as TensorInfo;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    if (x.dtype !== 'float32' || !leading || outer < 2) return builtIn(args);
    const kept = x.shape.slice(axes.length);
    const inner = tf.util.sizeFromShape(kept);
    const mean = runWasmKernel(
      'AvgPool',
      { x: reshapedView(x, [1, outer, 1, inner]) },
      { filterSize: [outer, 1], strides: [1, 1], pad: 'valid' } as unknown as tf.NamedAttrMap,
      backend,
    );
    const values = heapF32(backend, mean);
    for (let k = 0; k < inner; k++) values[k] *= outer;
    return { ...mean, shape: attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept };
  };
}
