import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './index';
import { liveCounts, setUpBackends } from './test-utils';

beforeAll(() => setUpBackends());

describe('registerWasmTrainingKernels', () => {
  it('registers every listed kernel for wasm, once', () => {
    const before = WASM_TRAINING_KERNEL_NAMES.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    expect(before.every((f) => typeof f === 'function')).toBe(true);
    registerWasmTrainingKernels();
    const after = WASM_TRAINING_KERNEL_NAMES.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    expect(after).toEqual(before);
  });

  it('covers the kernels a detector training step needs', () => {
    for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum', 'MaxPoolGrad', 'ResizeNearestNeighborGrad',
      'KestrelConv2DBackpropFilterParts']) {
      expect(WASM_TRAINING_KERNEL_NAMES).toContain(name);
    }
  });
});

describe('every Kestrel kernel frees its temporaries', () => {
  it('leaves the tensor and wasm data counts where they were', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 9, 9, 8]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 8, 8]) as tf.Tensor4D;
    const dw = tf.randomNormal([3, 3, 8, 2]) as tf.Tensor4D;
    const m = tf.randomNormal([3, 40, 40]);
    const idx = tf.tensor1d([0, 3, 3, 7], 'int32');
    const step = () => {
      const grads = tf.grads((xv: tf.Tensor, wv: tf.Tensor, dwv: tf.Tensor, mv: tf.Tensor) => {
        const conv = tf.conv2d(xv as tf.Tensor4D, wv as tf.Tensor4D, 2, 'same'); // phase-split dx
        const deep = tf.conv2d(tf.relu(conv), wv as tf.Tensor4D, 1, 'same'); // phase-plane dW
        const depth = tf.depthwiseConv2d(xv as tf.Tensor4D, dwv as tf.Tensor4D, 1, 'valid');
        const pooled = tf.maxPool(tf.avgPool(xv as tf.Tensor4D, 2, 1, 'same'), 3, 2, 'same');
        const up = tf.image.resizeBilinear(tf.image.resizeNearestNeighbor(pooled, [9, 9]), [9, 9], false, true);
        const rows = tf.gather(tf.reshape(xv, [-1, 8]), idx);
        const mats = tf.matMul(mv, mv, true, false); // batched and transposed
        const parts = tf.split(tf.concat([tf.tile(xv, [1, 1, 1, 2]), tf.pad(xv, [[0, 0], [0, 0], [0, 0], [1, 1]])], 3), 2, 3);
        return tf.addN([tf.sum(deep), tf.sum(depth), tf.sum(up), tf.sum(rows), tf.sum(mats), tf.sum(parts[0]!), tf.mean(parts[1]!)]) as tf.Scalar;
      })([x, w, dw, m]);
      tf.dispose(grads);
    };
    step(); // creates any lazily made state
    const before = liveCounts();
    for (let i = 0; i < 3; i++) step();
    expect(liveCounts()).toEqual(before);
    tf.dispose([x, w, dw, m, idx]);
  });
});
