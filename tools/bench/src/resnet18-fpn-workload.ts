import * as tf from '@tensorflow/tfjs-core';

/**
 * A ResNet-18 + FPN (P2–P6) training step written with plain TF.js ops, as a benchmark
 * workload. Batch norm is replaced by a learned per-channel scale and shift (same op pattern
 * as frozen BN); the FPN has 1×1 laterals, nearest ×2 top-down upsampling and 3×3 output convs,
 * P6 is a stride-2 subsample of P5 (torchvision's LastLevelMaxPool), and the loss is the mean
 * square of every level (enough to backpropagate through everything).
 */
export interface WorkloadOptions {
  batch: number;
  imageSize: number;
  fpnChannels?: number;
  seed?: number;
  /** SGD learning rate of the update each step applies; 0 skips the update. Default 1e-4. */
  learningRate?: number;
}

export interface ConvSpec {
  name: string;
  kernel: number;
  inC: number;
  outC: number;
  stride: number;
  /** Output spatial size for the chosen image size. */
  outSize: number;
}

export interface Workload {
  variables: tf.Variable[];
  /**
   * Forward, backward and an SGD update of every variable (new weights each step, so XNNPACK
   * repacks them as in real training). Returns the loss (the caller disposes it).
   */
  step(images: tf.Tensor4D): tf.Scalar;
  /** Forward conv FLOPs (2 · multiply-adds) of one step, from the layer shapes. */
  forwardFlops: number;
  convs: ConvSpec[];
  dispose(): void;
}

const STAGES = [
  { name: 'layer1', channels: 64, stride: 1 },
  { name: 'layer2', channels: 128, stride: 2 },
  { name: 'layer3', channels: 256, stride: 2 },
  { name: 'layer4', channels: 512, stride: 2 },
];

/** Every conv of the model, in forward order, with its output size for `imageSize`. */
export function resnet18FpnConvs(imageSize: number, fpnChannels = 256): ConvSpec[] {
  const convs: ConvSpec[] = [];
  const add = (name: string, kernel: number, inC: number, outC: number, stride: number, inSize: number): number => {
    const outSize = Math.ceil(inSize / stride);
    convs.push({ name, kernel, inC, outC, stride, outSize });
    return outSize;
  };
  let size = add('stem', 7, 3, 64, 2, imageSize);
  size = Math.ceil(size / 2); // max pool
  let channels = 64;
  const stageSizes: number[] = [];
  for (const stage of STAGES) {
    for (let block = 0; block < 2; block++) {
      const prefix = `${stage.name}.${block}`;
      const stride = block === 0 ? stage.stride : 1;
      const inSize = size;
      size = add(`${prefix}.conv1`, 3, channels, stage.channels, stride, inSize);
      add(`${prefix}.conv2`, 3, stage.channels, stage.channels, 1, size);
      if (stride !== 1 || channels !== stage.channels) add(`${prefix}.down`, 1, channels, stage.channels, stride, inSize);
      channels = stage.channels;
    }
    stageSizes.push(size);
  }
  STAGES.forEach((stage, i) => {
    add(`fpn.lateral${i + 2}`, 1, stage.channels, fpnChannels, 1, stageSizes[i]!);
    add(`fpn.output${i + 2}`, 3, fpnChannels, fpnChannels, 1, stageSizes[i]!);
  });
  return convs;
}

/** Forward FLOPs (2 · multiply-adds) of all convs for a batch. */
export function convFlops(convs: ConvSpec[], batch: number): number {
  return batch * convs.reduce((sum, c) => sum + 2 * c.outSize * c.outSize * c.kernel * c.kernel * c.inC * c.outC, 0);
}

export function createResnet18FpnWorkload(options: WorkloadOptions): Workload {
  const fpn = options.fpnChannels ?? 256;
  let seed = options.seed ?? 1;
  const convs = resnet18FpnConvs(options.imageSize, fpn);
  const params = new Map<string, tf.Variable>();
  const variable = (name: string, value: tf.Tensor) => params.set(name, tf.variable(value, true, name));
  for (const c of convs) {
    const std = Math.sqrt(2 / (c.kernel * c.kernel * c.inC));
    variable(`${c.name}.w`, tf.randomNormal([c.kernel, c.kernel, c.inC, c.outC], 0, std, 'float32', seed++));
    if (c.name.startsWith('fpn.')) {
      variable(`${c.name}.b`, tf.zeros([c.outC]));
    } else {
      // Batch norm stand-in after every backbone conv: conv1 → bn1, conv2 → bn2, down → downbn.
      const affine = c.name === 'stem' ? 'stem.bn' : c.name.replace(/\.conv(\d)$/, '.bn$1').replace(/\.down$/, '.downbn');
      variable(`${affine}.scale`, tf.ones([c.outC]));
      variable(`${affine}.shift`, tf.zeros([c.outC]));
    }
  }
  const stages = STAGES;

  const p = (name: string): tf.Variable => {
    const v = params.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  };
  const conv = (x: tf.Tensor4D, name: string, stride: number): tf.Tensor4D => tf.conv2d(x, p(`${name}.w`) as tf.Tensor4D, stride, 'same');
  const affine = (x: tf.Tensor4D, name: string): tf.Tensor4D => tf.add(tf.mul(x, p(`${name}.scale`)), p(`${name}.shift`));
  const biased = (x: tf.Tensor4D, name: string): tf.Tensor4D => tf.add(x, p(`${name}.b`));

  const forward = (images: tf.Tensor4D): tf.Scalar => {
    let x = tf.relu(affine(conv(images, 'stem', 2), 'stem.bn'));
    x = tf.maxPool(x, 3, 2, 'same');
    const features: tf.Tensor4D[] = [];
    let inC = 64;
    for (const stage of stages) {
      for (let block = 0; block < 2; block++) {
        const prefix = `${stage.name}.${block}`;
        const stride = block === 0 ? stage.stride : 1;
        let y = tf.relu(affine(conv(x, `${prefix}.conv1`, stride), `${prefix}.bn1`));
        y = affine(conv(y, `${prefix}.conv2`, 1), `${prefix}.bn2`);
        const shortcut = stride !== 1 || inC !== stage.channels ? affine(conv(x, `${prefix}.down`, stride), `${prefix}.downbn`) : x;
        x = tf.relu(tf.add<tf.Tensor4D>(y, shortcut));
        inC = stage.channels;
      }
      features.push(x);
    }
    // Top-down pathway: P5 = L5, P4 = L4 + up(P5), ... then a 3×3 conv per level.
    const laterals = features.map((f, i) => biased(conv(f, `fpn.lateral${i + 2}`, 1), `fpn.lateral${i + 2}`));
    const merged: tf.Tensor4D[] = new Array(laterals.length);
    merged[laterals.length - 1] = laterals[laterals.length - 1]!;
    for (let i = laterals.length - 2; i >= 0; i--) {
      const [h, w] = laterals[i]!.shape.slice(1, 3) as [number, number];
      merged[i] = tf.add(laterals[i]!, tf.image.resizeNearestNeighbor(merged[i + 1]!, [h, w]));
    }
    const outputs = merged.map((m, i) => biased(conv(m, `fpn.output${i + 2}`, 1), `fpn.output${i + 2}`));
    outputs.push(tf.maxPool(outputs[outputs.length - 1]!, 1, 2, 'valid')); // P6
    return tf.addN(outputs.map((o) => tf.mean(tf.square(o)))) as tf.Scalar;
  };

  const variables = [...params.values()];
  const forwardFlops = convFlops(convs, options.batch);
  const learningRate = options.learningRate ?? 1e-4;
  const optimizer = tf.train.sgd(learningRate);
  return {
    variables,
    convs,
    forwardFlops,
    step: (images) => {
      const { value, grads } = tf.variableGrads(() => forward(images), variables);
      if (learningRate > 0) optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
      return value;
    },
    dispose: () => {
      optimizer.dispose();
      variables.forEach((v) => v.dispose());
    },
  };
}
