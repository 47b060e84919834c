import * as tf from '@tensorflow/tfjs-core';
import { boxValues, type BoxesLike } from '../boxes/values';
import { geometryOf, sampleLevels, type RoIAlignOptions } from './roi-align';
import { planRoIAlign, type LevelShape, type RoIAlignGeometry } from './sampling-plan';

const f32 = Math.fround;

/** float64 machine epsilon, the `eps` detectron2 adds inside the log. */
const EPS = 2.220446049250313e-16;

export interface LevelAssignmentOptions {
  /** Finest level available (P2 → 2). */
  minLevel: number;
  /** Coarsest level available (P5 → 5). */
  maxLevel: number;
  /** Box size (sqrt area, input pixels) that maps to `canonicalLevel`. Default 224. */
  canonicalBoxSize?: number;
  /** Level of a canonically sized box. Default 4. */
  canonicalLevel?: number;
}

/**
 * FPN level of each box (Eqn. 1 of the FPN paper, as detectron2's `assign_boxes_to_levels`):
 * ⌊canonicalLevel + log2(sqrt(area) / canonicalBoxSize + eps)⌋ clamped to [minLevel, maxLevel],
 * returned as an offset from minLevel (0 = finest map).
 */
export function assignBoxesToLevels(boxes: BoxesLike, options: LevelAssignmentOptions): Int32Array {
  const { minLevel, maxLevel } = options;
  const canonicalBoxSize = options.canonicalBoxSize ?? 224;
  const canonicalLevel = options.canonicalLevel ?? 4;
  const b = boxValues(boxes);
  const out = new Int32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) {
    // float32 steps as detectron2 computes them, so sizes on a level boundary fall the same way.
    const area = f32(f32(b[4 * i + 2]! - b[4 * i]!) * f32(b[4 * i + 3]! - b[4 * i + 1]!));
    const ratio = f32(f32(f32(Math.sqrt(area)) / canonicalBoxSize) + EPS);
    const level = Math.floor(canonicalLevel + f32(Math.log2(ratio)));
    // NaN (a negative area) lands on the finest level, like an empty box.
    out[i] = (Number.isNaN(level) ? minLevel : Math.min(maxLevel, Math.max(minLevel, level))) - minLevel;
  }
  return out;
}

export interface ROIPoolerOptions extends Omit<RoIAlignOptions, 'spatialScale'> {
  /**
   * 1 / stride of each input feature map, finest first; they must form a pyramid with factor
   * 1/2, e.g. [1/4, 1/8, 1/16, 1/32] for P2–P5.
   */
  scales: readonly number[];
  /** Default 224 (FPN paper). */
  canonicalBoxSize?: number;
  /** Default 4: a 224² box pools from the stride-16 map. */
  canonicalLevel?: number;
}

/**
 * detectron2's `ROIPooler` with RoIAlign: pools every box of every image from the FPN level its
 * size selects, and returns [M, outH, outW, C] rows in input order (image 0's boxes first).
 * Defaults follow detectron2's ROIAlignV2: aligned, adaptive sampling, 7×7.
 */
export class ROIPooler {
  readonly geometry: RoIAlignGeometry;
  readonly scales: readonly number[];
  readonly minLevel: number;
  readonly maxLevel: number;
  readonly canonicalBoxSize: number;
  readonly canonicalLevel: number;

  constructor(options: ROIPoolerOptions) {
    this.geometry = geometryOf(options);
    this.scales = [...options.scales];
    if (this.scales.length === 0) throw new Error('ROIPooler: scales must name at least one level');
    const minLevel = -Math.log2(this.scales[0]!);
    const maxLevel = -Math.log2(this.scales[this.scales.length - 1]!);
    if (!isNearInteger(minLevel) || !isNearInteger(maxLevel)) {
      throw new Error(`ROIPooler: strides must be powers of 2, got scales [${this.scales.join(', ')}]`);
    }
    this.minLevel = Math.round(minLevel);
    this.maxLevel = Math.round(maxLevel);
    if (this.scales.length !== this.maxLevel - this.minLevel + 1 || this.minLevel < 0) {
      throw new Error(`ROIPooler: scales [${this.scales.join(', ')}] do not form a pyramid`);
    }
    this.canonicalBoxSize = options.canonicalBoxSize ?? 224;
    this.canonicalLevel = options.canonicalLevel ?? 4;
    if (!(this.canonicalBoxSize > 0)) throw new Error('ROIPooler: canonicalBoxSize must be positive');
  }

  /**
   * Pools `boxLists[i]` (boxes of image i, input-image coordinates) from `features` (NHWC, one
   * per scale, batch = boxLists.length). Differentiable with respect to every feature map.
   */
  pool(features: readonly tf.Tensor4D[], boxLists: readonly BoxesLike[]): tf.Tensor4D {
    if (features.length !== this.scales.length) {
      throw new Error(`ROIPooler: expected ${this.scales.length} feature maps, got ${features.length}`);
    }
    if (boxLists.length !== features[0]!.shape[0]) {
      throw new Error(`ROIPooler: ${boxLists.length} box lists for a batch of ${features[0]!.shape[0]}`);
    }
    const { boxes, batchIndex } = concatBoxLists(boxLists);
    const level =
      features.length === 1
        ? new Int32Array(batchIndex.length)
        : assignBoxesToLevels(boxes, {
            minLevel: this.minLevel,
            maxLevel: this.maxLevel,
            canonicalBoxSize: this.canonicalBoxSize,
            canonicalLevel: this.canonicalLevel,
          });
    const levels: LevelShape[] = features.map((f, i) => ({
      height: f.shape[1],
      width: f.shape[2],
      spatialScale: this.scales[i]!,
    }));
    return sampleLevels(features, planRoIAlign(boxes, batchIndex, level, levels, this.geometry));
  }
}

/** detectron2's `convert_boxes_to_pooler_format`, as boxes plus a batch index per box. */
function concatBoxLists(boxLists: readonly BoxesLike[]): { boxes: Float32Array; batchIndex: Int32Array } {
  const parts = boxLists.map(boxValues);
  const boxes = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  const batchIndex = new Int32Array(boxes.length / 4);
  let offset = 0;
  parts.forEach((p, image) => {
    boxes.set(p, offset);
    batchIndex.fill(image, offset / 4, (offset + p.length) / 4);
    offset += p.length;
  });
  return { boxes, batchIndex };
}

function isNearInteger(x: number): boolean {
  return Math.abs(x - Math.round(x)) < 1e-9;
}
