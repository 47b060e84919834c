import * as tf from '@tensorflow/tfjs-core';

/** A row-major [rows, cols] matrix of match qualities (IoUs): rows are ground truth, columns predictions. */
export interface QualityMatrix {
  values: Float32Array;
  rows: number;
  cols: number;
}

export interface MatcherOptions {
  /**
   * Increasing IoU thresholds splitting [−∞, ∞) into intervals; a prediction whose best IoU
   * falls in [t_i−1, t_i) gets labels[i]. RPN: [0.3, 0.7]; RoI heads: [0.5].
   */
  thresholds: readonly number[];
  /** One label per interval (thresholds.length + 1 of them): 1 foreground, 0 background, −1 ignore. */
  labels: readonly number[];
  /**
   * Also label positive every prediction that has the highest IoU with some ground truth box,
   * ties included (detectron2 `set_low_quality_matches_`). Default false.
   */
  allowLowQualityMatches?: boolean;
  /**
   * A ground truth box only adds low-quality matches when its best IoU is ≥ this. Default 0,
   * which is detectron2 (every GT gets its best prediction(s)); mmdetection uses 0.3.
   */
  lowQualityMinIoU?: number;
}

export interface MatchResult {
  /** For each prediction, the index of its best ground truth box (lowest index on ties; 0 when there is no GT). */
  matches: Int32Array;
  /** For each prediction, the label of its interval (or 1 from a low-quality match). */
  labels: Int8Array;
}

/**
 * detectron2's `Matcher`: assigns each prediction (column) to the ground truth (row) with the
 * highest quality and labels it by which threshold interval that quality falls in.
 */
export class Matcher {
  readonly thresholds: readonly number[];
  readonly labels: readonly number[];
  readonly allowLowQualityMatches: boolean;
  readonly lowQualityMinIoU: number;

  constructor(options: MatcherOptions) {
    const { thresholds, labels } = options;
    if (thresholds.some((t, i) => i > 0 && t < thresholds[i - 1]!)) {
      throw new Error(`Matcher: thresholds must be increasing, got [${thresholds.join(', ')}]`);
    }
    if (labels.length !== thresholds.length + 1) {
      throw new Error(`Matcher: need ${thresholds.length + 1} labels for ${thresholds.length} thresholds, got ${labels.length}`);
    }
    if (labels.some((l) => l !== -1 && l !== 0 && l !== 1)) {
      throw new Error(`Matcher: labels must be -1, 0 or 1, got [${labels.join(', ')}]`);
    }
    // PyTorch compares a float32 tensor with a Python float in float32, so an IoU equal to
    // float32(0.7) counts as ≥ 0.7; rounding the thresholds reproduces that.
    this.thresholds = [-Infinity, ...thresholds.map(Math.fround), Infinity];
    this.labels = [...labels];
    this.allowLowQualityMatches = options.allowLowQualityMatches ?? false;
    this.lowQualityMinIoU = options.lowQualityMinIoU ?? 0;
  }

  /** Matches predictions to ground truth given the [GT, predictions] quality matrix. */
  match(quality: QualityMatrix | tf.Tensor2D): MatchResult {
    const { values, rows, cols } = quality instanceof tf.Tensor ? readMatrix(quality) : quality;
    if (values.length !== rows * cols) throw new Error(`Matcher: ${values.length} values for a ${rows}×${cols} matrix`);
    const matches = new Int32Array(cols);
    const labels = new Int8Array(cols);
    if (rows === 0 || cols === 0) {
      // No ground truth: every prediction takes the lowest interval's label (background).
      labels.fill(this.labels[0]!);
      return { matches, labels };
    }
    const best = new Float32Array(cols).fill(-Infinity);
    for (let g = 0; g < rows; g++) {
      const row = g * cols;
      for (let p = 0; p < cols; p++) {
        const q = values[row + p]!;
        if (!(q >= 0)) throw new Error(`Matcher: qualities must be >= 0, got ${q} at (${g}, ${p})`);
        if (q > best[p]!) {
          best[p] = q;
          matches[p] = g;
        }
      }
    }
    const t = this.thresholds;
    for (let p = 0; p < cols; p++) {
      const q = best[p]!;
      // Interval i covers [t[i], t[i + 1]).
      let i = 0;
      while (q >= t[i + 1]!) i++;
      labels[p] = this.labels[i]!;
    }
    if (this.allowLowQualityMatches) this.setLowQualityMatches(values, rows, cols, labels);
    return { matches, labels };
  }

  /** Marks positive every prediction whose quality equals some GT's best quality (ties included). */
  private setLowQualityMatches(values: Float32Array, rows: number, cols: number, labels: Int8Array): void {
    for (let g = 0; g < rows; g++) {
      const row = g * cols;
      let highest = -Infinity;
      for (let p = 0; p < cols; p++) highest = Math.max(highest, values[row + p]!);
      if (!(highest >= this.lowQualityMinIoU)) continue;
      for (let p = 0; p < cols; p++) if (values[row + p] === highest) labels[p] = 1;
    }
  }
}

function readMatrix(quality: tf.Tensor2D): QualityMatrix {
  if (quality.rank !== 2) throw new Error(`Matcher: expected a 2-D quality matrix, got rank ${quality.rank}`);
  const data = quality.dataSync();
  const values = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  return { values, rows: quality.shape[0], cols: quality.shape[1] };
}
