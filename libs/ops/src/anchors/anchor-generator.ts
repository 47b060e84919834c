import * as tf from '@tensorflow/tfjs-core';

export interface AnchorGeneratorOptions {
  /**
   * Anchor sizes (sqrt of the area, in input pixels) per feature level. A flat list means the
   * same sizes on every level; a list of one list is repeated too (detectron2's broadcasting).
   * FPN uses one size per level: [[32], [64], [128], [256], [512]].
   */
  sizes: readonly number[] | readonly (readonly number[])[];
  /** Aspect ratios h/w, broadcast like `sizes`. Default [0.5, 1, 2]. */
  aspectRatios?: readonly number[] | readonly (readonly number[])[];
  /** Stride of each feature level in input pixels, e.g. [4, 8, 16, 32, 64]; fixes the level count. */
  strides: readonly number[];
  /**
   * Where anchor centres sit inside each cell, as a fraction of the stride: 0 puts them on the
   * grid points (x = j·stride), 0.5 at cell centres. Default 0 (detectron2).
   */
  offset?: number;
}

/** Grid sizes whose anchors stay cached (multi-scale training sees a few dozen at most). */
const MAX_CACHED_GRIDS = 64;

/** A feature map's grid size. */
export type GridSize = readonly [height: number, width: number];

/**
 * detectron2's `DefaultAnchorGenerator`. Cell anchors are centred at the origin, sizes outer and
 * aspect ratios inner: for size s and ratio a, w = sqrt(s²/a), h = a·w, box (−w/2, −h/2, w/2, h/2).
 * Each level's anchors are ordered location-major (row y, then column x), then cell anchor,
 * matching the layout of an [H, W, A] objectness map flattened row-major. Anchors are not
 * rounded (unlike Detectron1).
 */
export class DefaultAnchorGenerator {
  readonly strides: readonly number[];
  readonly offset: number;
  /** Cell anchors per level, 4A values each. */
  readonly cellAnchors: readonly Float32Array[];
  private readonly cache = new Map<string, Float32Array>();

  constructor(options: AnchorGeneratorOptions) {
    this.strides = [...options.strides];
    this.offset = options.offset ?? 0;
    const levels = this.strides.length;
    if (levels === 0) throw new Error('DefaultAnchorGenerator: strides must name at least one level');
    if (!(this.offset >= 0 && this.offset < 1)) {
      throw new Error(`DefaultAnchorGenerator: offset must be in [0, 1), got ${this.offset}`);
    }
    const sizes = broadcastPerLevel(options.sizes, levels, 'sizes');
    const ratios = broadcastPerLevel(options.aspectRatios ?? [0.5, 1, 2], levels, 'aspectRatios');
    this.cellAnchors = sizes.map((levelSizes, i) => generateCellAnchors(levelSizes, ratios[i]!));
  }

  /** Anchors per grid location on each level (sizes × aspect ratios). */
  get numAnchorsPerLocation(): number[] {
    return this.cellAnchors.map((cell) => cell.length / 4);
  }

  /**
   * All anchors of each level for the given grid sizes, as flat (x1, y1, x2, y2) arrays of
   * H·W·A boxes. Recent results are cached per level and grid size: treat them as read-only.
   */
  gridAnchors(gridSizes: readonly GridSize[]): Float32Array[] {
    if (gridSizes.length !== this.strides.length) {
      throw new Error(`gridAnchors: expected ${this.strides.length} grid sizes, got ${gridSizes.length}`);
    }
    return gridSizes.map(([height, width], level) => {
      const key = `${level}:${height}x${width}`;
      let anchors = this.cache.get(key);
      if (anchors) {
        this.cache.delete(key); // re-insert: the Map's order is then least recently used first
      } else {
        anchors = shiftCellAnchors(this.cellAnchors[level]!, height, width, this.strides[level]!, this.offset);
        if (this.cache.size >= MAX_CACHED_GRIDS) this.cache.delete(this.cache.keys().next().value!);
      }
      this.cache.set(key, anchors);
      return anchors;
    });
  }

  /** `gridAnchors` as [H·W·A, 4] tensors (grid sizes taken from NHWC feature maps). */
  anchorTensors(features: readonly tf.Tensor4D[]): tf.Tensor2D[] {
    const grids = features.map((f) => [f.shape[1], f.shape[2]] as const);
    return this.gridAnchors(grids).map((a) => tf.tensor2d(a, [a.length / 4, 4]));
  }
}

/** Cell anchors for one level: sizes outer, aspect ratios (h/w) inner, centred at the origin. */
export function generateCellAnchors(sizes: readonly number[], aspectRatios: readonly number[]): Float32Array {
  const out = new Float32Array(sizes.length * aspectRatios.length * 4);
  let i = 0;
  for (const size of sizes) {
    const area = size * size;
    for (const ratio of aspectRatios) {
      const w = Math.sqrt(area / ratio);
      const h = ratio * w;
      out.set([-w / 2, -h / 2, w / 2, h / 2], i);
      i += 4;
    }
  }
  return out;
}

function shiftCellAnchors(cell: Float32Array, height: number, width: number, stride: number, offset: number): Float32Array {
  const a = cell.length / 4;
  const out = new Float32Array(height * width * cell.length);
  let o = 0;
  for (let y = 0; y < height; y++) {
    const sy = (y + offset) * stride;
    for (let x = 0; x < width; x++) {
      const sx = (x + offset) * stride;
      for (let k = 0; k < a; k++, o += 4) {
        out[o] = cell[4 * k]! + sx;
        out[o + 1] = cell[4 * k + 1]! + sy;
        out[o + 2] = cell[4 * k + 2]! + sx;
        out[o + 3] = cell[4 * k + 3]! + sy;
      }
    }
  }
  return out;
}

/** detectron2's `_broadcast_params`: a flat list or a single list applies to every level. */
function broadcastPerLevel(
  params: readonly number[] | readonly (readonly number[])[],
  levels: number,
  name: string,
): (readonly number[])[] {
  if (params.length === 0) throw new Error(`DefaultAnchorGenerator: ${name} must not be empty`);
  if (!Array.isArray(params[0])) return Array.from({ length: levels }, () => params as readonly number[]);
  const nested = params as readonly (readonly number[])[];
  if (nested.length === 1) return Array.from({ length: levels }, () => nested[0]!);
  if (nested.length !== levels) {
    throw new Error(`DefaultAnchorGenerator: ${name} has ${nested.length} levels, strides has ${levels}`);
  }
  return [...nested];
}
