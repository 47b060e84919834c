import * as tf from '@tensorflow/tfjs-core';
import { boxValues, integerValues, type BoxesLike, type NumbersLike } from '../boxes/values';
import { roiAlignBackwardValues, roiAlignForwardValues, type LevelValues } from './roi-align-kernels';
import { planRoIAlign, type LevelShape, type RoIAlignGeometry, type SamplingPlan } from './sampling-plan';

export interface RoIAlignOptions {
  /** Output bins, e.g. 7 (box head) or 14 (mask head), or [height, width]. Default 7. */
  outputSize?: number | readonly [number, number];
  /** Multiplies box coordinates into feature-map pixels (1 / stride). Default 1. */
  spatialScale?: number;
  /**
   * Bilinear samples per bin along each axis; 0 = adaptive, ceil(roi size / output size) as in
   * detectron2 and mmdetection; torchvision's detectors use 2. Default 0.
   */
  samplingRatio?: number;
  /** Shift boxes by −0.5 px so pixel centres line up (detectron2 ROIAlignV2). Default true. */
  aligned?: boolean;
}

/**
 * RoIAlign (He et al., Mask R-CNN) with torchvision/detectron2 semantics on NHWC features:
 * pools each box of image `boxIndices[k]` into outputSize bins, averaging bilinear samples.
 * Returns [K, outH, outW, C].
 *
 * Differentiable with respect to `features` (the gradient scatters dy back through the same
 * bilinear taps); boxes get no gradient, as in detectron2 where proposals are detached.
 * Runs on any backend: the sampling is plain JavaScript over the feature values.
 */
export function roiAlign(
  features: tf.Tensor4D,
  boxes: BoxesLike,
  boxIndices: NumbersLike,
  options: RoIAlignOptions = {},
): tf.Tensor4D {
  const b = boxValues(boxes);
  const batchIndex = integerValues(boxIndices);
  if (batchIndex.length !== b.length / 4) {
    throw new Error(`roiAlign: ${b.length / 4} boxes but ${batchIndex.length} box indices`);
  }
  const [, height, width] = features.shape;
  const levels: LevelShape[] = [{ height, width, spatialScale: options.spatialScale ?? 1 }];
  const plan = planRoIAlign(b, batchIndex, new Int32Array(batchIndex.length), levels, geometryOf(options));
  return sampleLevels([features], plan);
}

/** The sampling geometry an options object describes, with defaults filled in. */
export function geometryOf(options: Omit<RoIAlignOptions, 'spatialScale'>): RoIAlignGeometry {
  const size = options.outputSize ?? 7;
  const outputSize: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  const samplingRatio = options.samplingRatio ?? 0;
  if (!outputSize.every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(`RoIAlign: outputSize must be positive integers, got [${outputSize.join(', ')}]`);
  }
  if (!Number.isInteger(samplingRatio) || samplingRatio < 0) {
    throw new Error(`RoIAlign: samplingRatio must be a non-negative integer, got ${samplingRatio}`);
  }
  return { outputSize, samplingRatio, aligned: options.aligned ?? true };
}

/**
 * Runs a sampling plan over one or more feature maps (all with the same batch and channel
 * count) as a single differentiable op; output rows follow the plan's RoI order.
 */
export function sampleLevels(features: readonly tf.Tensor4D[], plan: SamplingPlan): tf.Tensor4D {
  const channels = checkFeatures(features, plan);
  const shapes = features.map((f) => ({ batch: f.shape[0], height: f.shape[1], width: f.shape[2] }));
  const outShape: [number, number, number, number] = [plan.numRois, plan.pooledHeight, plan.pooledWidth, channels];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.slice(0, features.length) as tf.Tensor4D[];
    // Heap views stay valid until the next wasm allocation: compute first, then make tensors.
    const levels: LevelValues[] = inputs.map((f, i) => ({ ...shapes[i]!, values: readFloat32(f) }));
    const value = tf.tensor4d(roiAlignForwardValues(plan, levels, channels), outShape);
    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const grads = roiAlignBackwardValues(plan, shapes, channels, readFloat32(dy));
      return grads.map((g, i) => tf.tensor4d(g, inputs[i]!.shape));
    };
    return { value, gradFunc };
  });
  return op(...features) as tf.Tensor4D;
}

/** The slice of the wasm backend this file uses to read tensors in place. */
interface HeapBackend {
  typedArrayFromHeap(info: tf.TensorInfo): ArrayLike<number>;
  dataIdMap: { has(dataId: tf.DataId): boolean };
}

/**
 * A float32 tensor's values without copying where the backend allows: on wasm a view of the
 * heap (dataSync would copy tens of MB of FPN features on every call), on cpu its own array.
 * Read-only, and on wasm only valid until the next heap allocation.
 */
function readFloat32(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as unknown as Partial<HeapBackend>;
  if (typeof backend.typedArrayFromHeap === 'function' && backend.dataIdMap?.has(t.dataId)) {
    return backend.typedArrayFromHeap(t) as Float32Array;
  }
  return t.dataSync() as Float32Array;
}

function checkFeatures(features: readonly tf.Tensor4D[], plan: SamplingPlan): number {
  if (features.length === 0) throw new Error('RoIAlign: no feature maps');
  const [batch, , , channels] = features[0]!.shape;
  for (const f of features) {
    if (f.rank !== 4 || f.dtype !== 'float32') {
      throw new Error(`RoIAlign: features must be float32 NHWC, got ${f.dtype} [${f.shape.join(', ')}]`);
    }
    if (f.shape[0] !== batch || f.shape[3] !== channels) {
      throw new Error(`RoIAlign: feature maps disagree on batch or channels: [${features.map((x) => x.shape.join('×')).join('], [')}]`);
    }
  }
  for (let r = 0; r < plan.numRois; r++) {
    const b = plan.batchIndex[r]!;
    if (b < 0 || b >= batch) throw new Error(`RoIAlign: box ${r} refers to image ${b}, batch has ${batch}`);
  }
  return channels;
}
