import * as tf from '@tensorflow/tfjs-core';
import { expectClose, liveCounts, randomValues, seededRandom, setUpBackends } from './wasm-kernels/test-utils';

/**
 * A small detector-shaped training step on wasm (threaded, with Kestrel's kernels) against the
 * cpu backend: conv, strided conv, depthwise conv, max and average pooling, an FPN-style merge
 * (1×1 lateral + nearest ×2 upsampling + add), a per-channel scale/shift, pad/slice/concat,
 * gather of positions (RoI-like), a matmul head, and softmax cross-entropy plus smooth-L1-like
 * losses.
 */
const BATCH = 2;
const SIZE = 16;
const CLASSES = 5;

type Params = Record<string, tf.Variable>;

function createParams(random: () => number): Params {
  const shapes: Record<string, number[]> = {
    stem: [3, 3, 3, 8],
    down: [3, 3, 8, 16],
    depthwise: [3, 3, 16, 1],
    lateral: [1, 1, 8, 16],
    output: [3, 3, 16, 16],
    scale: [16],
    shift: [16],
    head: [32, CLASSES],
    box: [32, 4],
  };
  const params: Params = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const values = randomValues(tf.util.sizeFromShape(shape), random).map((v) => v * 0.5);
    params[name] = tf.variable(tf.tensor(values, shape), true, name);
  }
  return params;
}

/** Sum over images of each image's loss, so per-image gradients add up to the batch's. */
function loss(p: Params, images: tf.Tensor4D, picks: tf.Tensor2D, labels: tf.Tensor2D, targets: tf.Tensor3D): tf.Scalar {
  const conv = (x: tf.Tensor4D, w: tf.Variable, stride: number) => tf.conv2d(x, w as tf.Tensor4D, stride, 'same');
  const c1 = tf.relu(conv(images, p['stem']!, 1)); // [b, 16, 16, 8]
  const c2 = tf.relu(conv(c1, p['down']!, 2)); // [b, 8, 8, 16]
  const c3 = tf.maxPool(tf.depthwiseConv2d(c2, p['depthwise']! as tf.Tensor4D, 1, 'same'), 3, 2, 'same'); // [b, 4, 4, 16]
  const lateral = conv(tf.avgPool(c1, 2, 2, 'valid'), p['lateral']!, 1); // [b, 8, 8, 16]
  const merged = tf.add(lateral, tf.image.resizeNearestNeighbor(c3, [8, 8])) as tf.Tensor4D;
  const feature = tf.sigmoid(tf.add(tf.mul(conv(merged, p['output']!, 1), p['scale']!), p['shift']!));
  // Each position also sees its upper-left neighbour (pad + slice + concat).
  const [b, h, w, c] = feature.shape;
  const shifted = tf.slice(tf.pad(feature, [[0, 0], [1, 0], [1, 0], [0, 0]]), [0, 0, 0, 0], [b, h, w, c]);
  const context = tf.concat([feature, shifted], 3);
  const positions = tf.reshape(context, [b, h * w, 2 * c]);
  const picked = tf.gather(positions, picks, 1, 1); // [b, picks, 2c]
  const rows = tf.reshape(picked, [-1, 2 * c]);
  const logits = tf.matMul(rows, p['head']!);
  const classLoss = tf.neg(tf.sum(tf.mul(tf.reshape(labels, [-1, CLASSES]), tf.logSoftmax(logits))));
  const boxes = tf.matMul(rows, p['box']!);
  const diff = tf.abs(tf.sub(boxes, tf.reshape(targets, [-1, 4])));
  const boxLoss = tf.sum(tf.minimum(diff, tf.square(diff)));
  return tf.add(classLoss, boxLoss) as tf.Scalar;
}

interface Batch {
  images: Float32Array;
  picks: Int32Array;
  labels: Float32Array;
  targets: Float32Array;
}

const PICKS = 6;

function makeBatch(random: () => number): Batch {
  const images = randomValues(BATCH * SIZE * SIZE * 3, random);
  const picks = new Int32Array(BATCH * PICKS).map(() => Math.floor(random() * 64));
  const labels = new Float32Array(BATCH * PICKS * CLASSES);
  for (let i = 0; i < BATCH * PICKS; i++) labels[i * CLASSES + Math.floor(random() * CLASSES)] = 1;
  const targets = randomValues(BATCH * PICKS * 4, random);
  return { images, picks, labels, targets };
}

/** Gradients of the loss over images [first, first + count). */
function gradients(params: Params, data: Batch, first: number, count: number): Record<string, Float32Array> {
  const { value, grads } = tf.variableGrads(() => {
    const images = tf.tensor4d(data.images.subarray(first * SIZE * SIZE * 3, (first + count) * SIZE * SIZE * 3), [count, SIZE, SIZE, 3]);
    const picks = tf.tensor2d(data.picks.subarray(first * PICKS, (first + count) * PICKS), [count, PICKS], 'int32');
    const labels = tf.tensor2d(data.labels.subarray(first * PICKS * CLASSES, (first + count) * PICKS * CLASSES), [count * PICKS, CLASSES]);
    const targets = tf.tensor3d(data.targets.subarray(first * PICKS * 4, (first + count) * PICKS * 4), [count, PICKS, 4]);
    return loss(params, images, picks, labels, targets);
  }, Object.values(params));
  const out: Record<string, Float32Array> = {};
  for (const [name, g] of Object.entries(grads)) out[name] = g.dataSync() as Float32Array;
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

beforeAll(async () => {
  const report = await setUpBackends(2);
  expect(report.threads).toBe(2); // the threaded build, as training uses it
}, 60_000);

describe('a training step on wasm', () => {
  it('gives the same gradients as the cpu backend', async () => {
    const data = makeBatch(seededRandom(42));
    await tf.setBackend('wasm');
    const wasmParams = createParams(seededRandom(7));
    const wasmGrads = gradients(wasmParams, data, 0, BATCH);
    Object.values(wasmParams).forEach((v) => v.dispose());

    // The cpu reference runs image by image: its ResizeNearestNeighborGrad uses the wrong
    // batch stride for dy when batch > 1, and the loss is a sum over images.
    await tf.setBackend('cpu');
    const cpuParams = createParams(seededRandom(7));
    const perImage = Array.from({ length: BATCH }, (_, i) => gradients(cpuParams, data, i, 1));
    Object.values(cpuParams).forEach((v) => v.dispose());

    expect(Object.keys(wasmGrads).sort()).toEqual(Object.keys(perImage[0]!).sort());
    for (const name of Object.keys(wasmGrads)) {
      const want = perImage[0]![name]!.map((v, i) => v + perImage.slice(1).reduce((s, g) => s + g[name]![i]!, 0));
      expectClose(wasmGrads[name]!, want, 1e-4, name);
    }
  });

  it('keeps the tensor count flat over 20 SGD-with-momentum steps', async () => {
    await tf.setBackend('wasm');
    const params = createParams(seededRandom(8));
    const optimizer = tf.train.momentum(0.01, 0.9);
    const random = seededRandom(9);
    const losses: number[] = [];
    let afterFirst: ReturnType<typeof liveCounts> | undefined;
    for (let step = 1; step <= 20; step++) {
      const data = makeBatch(random);
      const value = tf.tidy(() => {
        const images = tf.tensor4d(data.images, [BATCH, SIZE, SIZE, 3]);
        const picks = tf.tensor2d(data.picks, [BATCH, PICKS], 'int32');
        const labels = tf.tensor2d(data.labels, [BATCH * PICKS, CLASSES]);
        const targets = tf.tensor3d(data.targets, [BATCH, PICKS, 4]);
        return optimizer.minimize(() => loss(params, images, picks, labels, targets), true, Object.values(params))!;
      });
      losses.push(value.dataSync()[0]!);
      value.dispose();
      if (step === 1) afterFirst = liveCounts();
    }
    expect(liveCounts()).toEqual(afterFirst);
    expect(losses.every(Number.isFinite)).toBe(true);
    optimizer.dispose();
    Object.values(params).forEach((v) => v.dispose());
  });
});
