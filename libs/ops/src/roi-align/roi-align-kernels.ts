import type { SamplingPlan } from './sampling-plan';

/** One NHWC feature map's values and shape, as the kernels read it. */
export interface LevelValues {
  values: Float32Array;
  batch: number;
  height: number;
  width: number;
}

/**
 * The (feature offset, weight) taps of one output bin: every row tap × column tap of the plan,
 * with offsets pointing at the tap's channel vector in its NHWC map.
 */
class BinTaps {
  offsets: Int32Array;
  weights: Float64Array;
  count = 0;

  constructor(plan: SamplingPlan) {
    const capacity = maxBinTaps(plan.rows.start) * maxBinTaps(plan.cols.start);
    this.offsets = new Int32Array(capacity);
    this.weights = new Float64Array(capacity);
  }

  /** Fills the taps of bin (r, ph, pw); `plane` is the RoI's image index × map height. */
  collect(plan: SamplingPlan, r: number, ph: number, pw: number, plane: number, width: number, channels: number): void {
    const { rows, cols } = plan;
    const rowBin = r * plan.pooledHeight + ph;
    const colBin = r * plan.pooledWidth + pw;
    const colStart = cols.start[colBin]!;
    const colEnd = cols.start[colBin + 1]!;
    let n = 0;
    for (let yi = rows.start[rowBin]!, rowEnd = rows.start[rowBin + 1]!; yi < rowEnd; yi++) {
      const rowBase = (plane + rows.index[yi]!) * width;
      const wy = rows.weight[yi]!;
      for (let xi = colStart; xi < colEnd; xi++) {
        this.offsets[n] = (rowBase + cols.index[xi]!) * channels;
        this.weights[n++] = wy * cols.weight[xi]!;
      }
    }
    this.count = n;
  }
}

/**
 * RoIAlign forward on plain arrays: out[r, ph, pw, :] = Σ ay·ax·F[b, row, col, :].
 * NHWC keeps each tap's channel vector contiguous; taps are applied four at a time so each
 * output element is loaded and stored once per four taps (≈2.4× faster than one at a time in V8).
 */
export function roiAlignForwardValues(plan: SamplingPlan, levels: readonly LevelValues[], channels: number): Float32Array {
  const { numRois, pooledHeight, pooledWidth } = plan;
  const out = new Float32Array(numRois * pooledHeight * pooledWidth * channels);
  const taps = new BinTaps(plan);
  for (let r = 0; r < numRois; r++) {
    const { values: f, height, width } = levels[plan.level[r]!]!;
    const plane = plan.batchIndex[r]! * height;
    for (let ph = 0; ph < pooledHeight; ph++) {
      for (let pw = 0; pw < pooledWidth; pw++) {
        taps.collect(plan, r, ph, pw, plane, width, channels);
        const o = ((r * pooledHeight + ph) * pooledWidth + pw) * channels;
        const { offsets, weights, count } = taps;
        let t = 0;
        for (; t + 4 <= count; t += 4) {
          const b0 = offsets[t]!, b1 = offsets[t + 1]!, b2 = offsets[t + 2]!, b3 = offsets[t + 3]!;
          const w0 = weights[t]!, w1 = weights[t + 1]!, w2 = weights[t + 2]!, w3 = weights[t + 3]!;
          for (let c = 0; c < channels; c++) {
            out[o + c] += w0 * f[b0 + c]! + w1 * f[b1 + c]! + w2 * f[b2 + c]! + w3 * f[b3 + c]!;
          }
        }
        for (; t + 2 <= count; t += 2) {
          const b0 = offsets[t]!, b1 = offsets[t + 1]!;
          const w0 = weights[t]!, w1 = weights[t + 1]!;
          for (let c = 0; c < channels; c++) out[o + c] += w0 * f[b0 + c]! + w1 * f[b1 + c]!;
        }
        if (t < count) {
          const b0 = offsets[t]!;
          const w0 = weights[t]!;
          for (let c = 0; c < channels; c++) out[o + c] += w0 * f[b0 + c]!;
        }
      }
    }
  }
  return out;
}

/**
 * RoIAlign backward: scatters dy back through the same taps, grads[level][b, row, col, :] +=
 * ay·ax·dy[r, ph, pw, :]. Returns one gradient array per level (zeros where nothing sampled).
 */
export function roiAlignBackwardValues(
  plan: SamplingPlan,
  levels: readonly Omit<LevelValues, 'values'>[],
  channels: number,
  dy: Float32Array,
): Float32Array[] {
  const { numRois, pooledHeight, pooledWidth } = plan;
  const grads = levels.map((l) => new Float32Array(l.batch * l.height * l.width * channels));
  const taps = new BinTaps(plan);
  for (let r = 0; r < numRois; r++) {
    const { height, width } = levels[plan.level[r]!]!;
    const g = grads[plan.level[r]!]!;
    const plane = plan.batchIndex[r]! * height;
    for (let ph = 0; ph < pooledHeight; ph++) {
      for (let pw = 0; pw < pooledWidth; pw++) {
        taps.collect(plan, r, ph, pw, plane, width, channels);
        const o = ((r * pooledHeight + ph) * pooledWidth + pw) * channels;
        const { offsets, weights, count } = taps;
        // Taps of one bin are distinct pixels, so the four scatters never alias.
        let t = 0;
        for (; t + 4 <= count; t += 4) {
          const b0 = offsets[t]!, b1 = offsets[t + 1]!, b2 = offsets[t + 2]!, b3 = offsets[t + 3]!;
          const w0 = weights[t]!, w1 = weights[t + 1]!, w2 = weights[t + 2]!, w3 = weights[t + 3]!;
          for (let c = 0; c < channels; c++) {
            const d = dy[o + c]!;
            g[b0 + c] += w0 * d;
            g[b1 + c] += w1 * d;
            g[b2 + c] += w2 * d;
            g[b3 + c] += w3 * d;
          }
        }
        for (; t < count; t++) {
          const b0 = offsets[t]!;
          const w0 = weights[t]!;
          for (let c = 0; c < channels; c++) g[b0 + c] += w0 * dy[o + c]!;
        }
      }
    }
  }
  return grads;
}

/** Largest number of taps any bin of one axis has. */
function maxBinTaps(start: Int32Array): number {
  let max = 0;
  for (let i = 0; i + 1 < start.length; i++) max = Math.max(max, start[i + 1]! - start[i]!);
  return Math.max(1, max);
}
