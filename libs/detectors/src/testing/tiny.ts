// Tiny models and a synthetic batch for tests and examples (not part of the public API).
import * as tf from '@tensorflow/tfjs-core';
import type { NormSpec } from '@kestrel/norm';
import type { ImageTargets } from '@kestrel/heads';
import { resolveModelConfig } from '../config/load';
import type { Architecture, ModelConfig } from '../config/model-config';

/** A model small enough for unit tests: ResNet-18 × 0.125, FPN 16, 64 × 64 images. */
export function tinyConfig(architecture: Architecture, norm: NormSpec = 'gn2', options: { p2?: boolean } = {}): ModelConfig {
  const n = norm === 'gn2' ? { type: 'gn', groups: 2 } : norm;
  const p2 = options.p2 ?? true;
  return resolveModelConfig({
    architecture,
    numClasses: 3,
    backbone: { depth: 18, width: 0.125, norm: n, freezeAt: 0 },
    fpn: { inFeatures: p2 ? ['res2', 'res3', 'res4', 'res5'] : ['res3', 'res4', 'res5'], outChannels: 16, norm: n },
    rpn: {
      inFeatures: p2 ? ['p2', 'p3', 'p4', 'p5', 'p6'] : ['p3', 'p4', 'p5', 'p6'],
      anchorSizes: p2 ? [[8], [16], [32], [64], [128]] : [[16], [32], [64], [128]],
      batchSizePerImage: 64,
      preNmsTopKTrain: 200,
      postNmsTopKTrain: 100,
      preNmsTopKTest: 100,
      postNmsTopKTest: 40,
    },
    roiHeads: { inFeatures: p2 ? ['p2', 'p3', 'p4', 'p5'] : ['p3', 'p4', 'p5'], batchSizePerImage: 32, detectionsPerImage: 20 },
    boxHead: { numConvs: 1, convDim: 16, numFcs: 1, fcDim: 32, norm: n, fcNorm: n, poolerResolution: 4, samplingRatio: 2 },
    maskHead: architecture === 'mask_rcnn' ? { numConvs: 1, convDim: 16, norm: n, poolerResolution: 7, samplingRatio: 2, maxPositivesPerImage: 4 } : null,
  });
}

/** Two objects per image on a dark 64 × 64 background: a bright square (class 0) and a triangle (class 2). */
export function syntheticBatch(numImages: number): { images: tf.Tensor4D; imageSizes: [number, number][]; targets: ImageTargets[] } {
  const size = 64;
  const pixels = new Float32Array(numImages * size * size * 3).fill(-1);
  const targets: ImageTargets[] = [];
  for (let n = 0; n < numImages; n++) {
    const s = 6 + 4 * n; // the square moves between images
    const sq = [s, s, s + 24, s + 20];
    const tri = [40 - 2 * n, 30, 60 - 2 * n, 58];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const o = ((n * size + y) * size + x) * 3;
        if (x >= sq[0]! && x < sq[2]! && y >= sq[1]! && y < sq[3]!) pixels.set([1, 0.8, -0.5], o);
        // Triangle with apex at the top centre, base at the bottom.
        const t = (y - tri[1]!) / (tri[3]! - tri[1]!);
        const cx = (tri[0]! + tri[2]!) / 2;
        const half = (t * (tri[2]! - tri[0]!)) / 2;
        if (t >= 0 && t <= 1 && x + 0.5 >= cx - half && x + 0.5 <= cx + half) pixels.set([-0.6, 0.9, 1], o);
      }
    }
    targets.push({
      boxes: Float32Array.from([...sq, ...tri]),
      labels: Int32Array.from([0, 2]),
      masks: [
        { kind: 'polygons', polygons: [[sq[0]!, sq[1]!, sq[2]!, sq[1]!, sq[2]!, sq[3]!, sq[0]!, sq[3]!]] },
        { kind: 'polygons', polygons: [[(tri[0]! + tri[2]!) / 2, tri[1]!, tri[2]!, tri[3]!, tri[0]!, tri[3]!]] },
      ],
      crowdBoxes: new Float32Array(0),
    });
  }
  return {
    images: tf.tensor4d(pixels, [numImages, size, size, 3]),
    imageSizes: Array.from({ length: numImages }, () => [size, size] as [number, number]),
    targets,
  };
}
