/**
 * Where RoIAlign samples, computed once per call and shared by forward and backward.
 *
 * For a bin, torchvision/detectron2 average grid_h × grid_w bilinear samples. Bilinear weights
 * factor into a y part and an x part, the sample grid is a product of y and x positions, and
 * an out-of-range sample (y outside [−1, H] or x outside [−1, W]) counts as zero, which also
 * factors. So a bin's value is Σ_rows Σ_cols ay[row]·ax[col]·F[row, col] with per-axis "taps"
 * ay, ax (duplicates merged, zero weights dropped, 1/grid folded in). Small bins touch ~2 rows
 * and 2 columns instead of 4 corners × grid_h × grid_w samples.
 */

const f32 = Math.fround;

export interface RoIAlignGeometry {
  /** Output bins (pooled height, pooled width). */
  outputSize: readonly [number, number];
  /** Samples per bin along each axis; 0 means adaptive: ceil(roi size / output size). */
  samplingRatio: number;
  /** Shift the box by −0.5 px before sampling (detectron2 ROIAlignV2); false is the legacy op. */
  aligned: boolean;
}

/** One feature map the plan samples from. */
export interface LevelShape {
  height: number;
  width: number;
  /** Multiplies box coordinates into this map's pixels (1 / stride). */
  spatialScale: number;
}

/** Compressed per-bin taps: bin b of axis uses entries start[b] .. start[b+1]-1. */
export interface AxisTaps {
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

export interface SamplingPlan {
  numRois: number;
  pooledHeight: number;
  pooledWidth: number;
  /** Image index of each RoI in the batch. */
  batchIndex: Int32Array;
  /** Feature level of each RoI (index into the level list). */
  level: Int32Array;
  /** Row taps for bin (roi, ph) at roi·pooledHeight + ph. */
  rows: AxisTaps;
  /** Column taps for bin (roi, pw) at roi·pooledWidth + pw. */
  cols: AxisTaps;
}

/**
 * Builds the sampling plan for `boxes` (4 values per RoI, input-image coordinates), each read
 * from level `levels[level[r]]` of image `batchIndex[r]`.
 */
export function planRoIAlign(
  boxes: Float32Array,
  batchIndex: Int32Array,
  level: Int32Array,
  levels: readonly LevelShape[],
  geometry: RoIAlignGeometry,
): SamplingPlan {
  const numRois = boxes.length / 4;
  const [pooledHeight, pooledWidth] = geometry.outputSize;
  const rows = new TapBuilder(numRois * pooledHeight);
  const cols = new TapBuilder(numRois * pooledWidth);
  const offset = geometry.aligned ? 0.5 : 0;
  for (let r = 0; r < numRois; r++) {
    const shape = levels[level[r]!]!;
    const scale = shape.spatialScale;
    // float32 steps as in the reference kernel, so adaptive grid sizes (ceil) agree exactly.
    const startX = f32(f32(boxes[4 * r]! * scale) - offset);
    const startY = f32(f32(boxes[4 * r + 1]! * scale) - offset);
    const endX = f32(f32(boxes[4 * r + 2]! * scale) - offset);
    const endY = f32(f32(boxes[4 * r + 3]! * scale) - offset);
    let roiWidth = f32(endX - startX);
    let roiHeight = f32(endY - startY);
    if (!geometry.aligned) {
      // Legacy op: malformed RoIs are forced to 1×1.
      roiWidth = Math.max(roiWidth, 1);
      roiHeight = Math.max(roiHeight, 1);
    }
    const binHeight = f32(roiHeight / pooledHeight);
    const binWidth = f32(roiWidth / pooledWidth);
    const gridH = geometry.samplingRatio > 0 ? geometry.samplingRatio : Math.ceil(f32(roiHeight / pooledHeight));
    const gridW = geometry.samplingRatio > 0 ? geometry.samplingRatio : Math.ceil(f32(roiWidth / pooledWidth));
    addAxisTaps(rows, startY, binHeight, gridH, pooledHeight, shape.height);
    addAxisTaps(cols, startX, binWidth, gridW, pooledWidth, shape.width);
  }
  return { numRois, pooledHeight, pooledWidth, batchIndex, level, rows: rows.finish(), cols: cols.finish() };
}

/** Taps of one axis of one RoI: `pooled` bins of `grid` samples each, on a map `length` long. */
function addAxisTaps(out: TapBuilder, start: number, binSize: number, grid: number, pooled: number, length: number): void {
  const sampleWeight = grid > 0 ? 1 / grid : 0;
  for (let p = 0; p < pooled; p++) {
    out.beginBin();
    for (let i = 0; i < grid; i++) {
      let v = start + p * binSize + ((i + 0.5) * binSize) / grid;
      // Outside [−1, length] the sample is zero (written so NaN is outside too).
      if (!(v >= -1 && v <= length)) continue;
      if (v <= 0) v = 0;
      let low = Math.floor(v);
      let high: number;
      if (low >= length - 1) {
        high = low = length - 1;
        v = low;
      } else {
        high = low + 1;
      }
      const frac = v - low;
      out.add(low, (1 - frac) * sampleWeight);
      out.add(high, frac * sampleWeight);
    }
  }
}

/** Accumulates per-bin taps, merging repeated indices within a bin and dropping zero weights. */
class TapBuilder {
  private readonly start: Int32Array;
  private index: Int32Array;
  private weight: Float64Array;
  private bins = 0;
  private size = 0;

  constructor(numBins: number) {
    this.start = new Int32Array(numBins + 1);
    this.index = new Int32Array(Math.max(16, numBins * 3));
    this.weight = new Float64Array(this.index.length);
  }

  beginBin(): void {
    this.start[this.bins++] = this.size;
  }

  add(index: number, weight: number): void {
    if (weight === 0) return;
    for (let k = this.start[this.bins - 1]!; k < this.size; k++) {
      if (this.index[k] === index) {
        this.weight[k] = this.weight[k]! + weight;
        return;
      }
    }
    if (this.size === this.index.length) this.grow();
    this.index[this.size] = index;
    this.weight[this.size++] = weight;
  }

  finish(): AxisTaps {
    this.start[this.bins] = this.size;
    return {
      start: this.start,
      index: this.index.slice(0, this.size),
      weight: this.weight.slice(0, this.size),
    };
  }

  private grow(): void {
    const index = new Int32Array(this.index.length * 2);
    index.set(this.index);
    const weight = new Float64Array(this.weight.length * 2);
    weight.set(this.weight);
    this.index = index;
    this.weight = weight;
  }
}
