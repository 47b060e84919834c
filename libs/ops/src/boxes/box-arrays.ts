/**
 * Box geometry on flat (x1, y1, x2, y2) Float32Arrays, for the parts of detection that never
 * need a gradient (matching, NMS, proposal filtering). detectron2 conventions: width = x2 − x1,
 * no +1.
 *
 * Each arithmetic step is rounded to float32 (`fround` of a double +, −, ×, ÷ on float32 inputs
 * is the correctly rounded float32 result), so IoUs equal PyTorch's float32 values bit for bit
 * and threshold decisions (IoU ≥ 0.7, > 0.5) fall the same way as in detectron2.
 */

const f32 = Math.fround;

/** Areas (x2 − x1)·(y2 − y1) of 4N box values. */
export function boxAreaArray(boxes: Float32Array): Float32Array {
  const n = boxes.length / 4;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = f32(f32(boxes[4 * i + 2]! - boxes[4 * i]!) * f32(boxes[4 * i + 3]! - boxes[4 * i + 1]!));
  }
  return out;
}

/**
 * IoU of every box in `a` (M) with every box in `b` (N), row-major [M, N]. As detectron2's
 * `pairwise_iou`: 0 where the boxes do not intersect.
 */
export function pairwiseIoUArray(a: Float32Array, b: Float32Array): Float32Array {
  const m = a.length / 4;
  const n = b.length / 4;
  const areaA = boxAreaArray(a);
  const areaB = boxAreaArray(b);
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const ax1 = a[4 * i]!;
    const ay1 = a[4 * i + 1]!;
    const ax2 = a[4 * i + 2]!;
    const ay2 = a[4 * i + 3]!;
    for (let j = 0; j < n; j++) {
      // `!(w > 0)` also skips NaN, which detectron2's `where(inter > 0, …, 0)` maps to 0.
      const w = f32(Math.min(ax2, b[4 * j + 2]!) - Math.max(ax1, b[4 * j]!));
      if (!(w > 0)) continue;
      const h = f32(Math.min(ay2, b[4 * j + 3]!) - Math.max(ay1, b[4 * j + 1]!));
      if (!(h > 0)) continue;
      const inter = f32(w * h);
      out[i * n + j] = inter / f32(f32(areaA[i]! + areaB[j]!) - inter);
    }
  }
  return out;
}

/** Clamps x to [0, width] and y to [0, height]; returns a new array. */
export function clipBoxesArray(boxes: Float32Array, imageSize: readonly [height: number, width: number]): Float32Array {
  const [height, width] = imageSize;
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = clamp(boxes[i]!, width);
    out[i + 1] = clamp(boxes[i + 1]!, height);
    out[i + 2] = clamp(boxes[i + 2]!, width);
    out[i + 3] = clamp(boxes[i + 3]!, height);
  }
  return out;
}

/** Indices of boxes whose width and height are both > `threshold` (detectron2 `nonempty`). */
export function nonemptyIndicesArray(boxes: Float32Array, threshold = 0): Int32Array {
  const keep: number[] = [];
  for (let i = 0; i < boxes.length / 4; i++) {
    if (boxes[4 * i + 2]! - boxes[4 * i]! > threshold && boxes[4 * i + 3]! - boxes[4 * i + 1]! > threshold) {
      keep.push(i);
    }
  }
  return Int32Array.from(keep);
}

/** The boxes at `indices`, as 4·indices.length values. */
export function selectBoxesArray(boxes: Float32Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * 4);
  for (let i = 0; i < indices.length; i++) {
    const s = indices[i]! * 4;
    out[4 * i] = boxes[s]!;
    out[4 * i + 1] = boxes[s + 1]!;
    out[4 * i + 2] = boxes[s + 2]!;
    out[4 * i + 3] = boxes[s + 3]!;
  }
  return out;
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
