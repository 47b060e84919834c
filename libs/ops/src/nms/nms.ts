import { boxAreaArray } from '../boxes/box-arrays';
import { boxValues, integerValues, numberValues, type BoxesLike, type NumbersLike } from '../boxes/values';

const f32 = Math.fround;

/**
 * Indices of `scores` sorted by decreasing score; equal scores keep increasing index order, so
 * results never depend on the sort implementation. NaN scores sort last.
 */
export function argsortDescending(scores: NumbersLike): Int32Array {
  const s = numberValues(scores);
  const order = Array.from({ length: s.length }, (_, i) => i);
  order.sort((a, b) => compareDescending(s, a, b));
  return Int32Array.from(order);
}

/** Indices of the k highest scores (all when k ≥ n), by decreasing score, ties by index. */
export function topKIndices(scores: NumbersLike, k: number): Int32Array {
  const s = numberValues(scores);
  if (k >= s.length) return argsortDescending(s);
  // A full sort is O(n log n) on a few thousand RPN scores per level: fast enough, and exact.
  return argsortDescending(s).slice(0, Math.max(0, k));
}

/**
 * Indices (ascending) of scores strictly greater than `threshold` (detectron2's
 * `scores > score_thresh`, compared in float32 as PyTorch does, so a score of float32(0.05)
 * does not pass 0.05).
 */
export function scoreThresholdIndices(scores: NumbersLike, threshold: number): Int32Array {
  const s = numberValues(scores);
  const t = Math.fround(threshold);
  const keep: number[] = [];
  for (let i = 0; i < s.length; i++) if (s[i]! > t) keep.push(i);
  return Int32Array.from(keep);
}

/**
 * Greedy non-maximum suppression (torchvision `nms`): visits boxes by decreasing score and drops
 * every later box whose IoU with a kept box is > `iouThreshold`. Returns kept indices by
 * decreasing score; equal scores are visited in index order, so of two identical boxes with
 * the same score the lower index survives.
 */
export function nms(boxes: BoxesLike, scores: NumbersLike, iouThreshold: number): Int32Array {
  const b = boxValues(boxes);
  const s = numberValues(scores);
  checkLengths(b, s);
  return greedyNms(b, s, argsortDescending(s), iouThreshold);
}

/**
 * detectron2/torchvision `batched_nms`: NMS within each group (class or FPN level) only, so
 * boxes of different groups never suppress each other — what torchvision's coordinate-offset
 * trick achieves, done here by grouping directly (exact, and safe for negative coordinates).
 * Returns kept indices of all groups by decreasing score, ties by index.
 */
export function batchedNms(boxes: BoxesLike, scores: NumbersLike, groups: NumbersLike, iouThreshold: number): Int32Array {
  const b = boxValues(boxes);
  const s = numberValues(scores);
  const g = integerValues(groups);
  checkLengths(b, s);
  if (g.length !== s.length) throw new Error(`batchedNms: ${g.length} group ids for ${s.length} boxes`);
  const byGroup = new Map<number, number[]>();
  for (const i of argsortDescending(s)) {
    let members = byGroup.get(g[i]!);
    if (!members) byGroup.set(g[i]!, (members = []));
    members.push(i);
  }
  const kept: number[] = [];
  for (const order of byGroup.values()) kept.push(...greedyNms(b, s, order, iouThreshold));
  kept.sort((x, y) => compareDescending(s, x, y));
  return Int32Array.from(kept);
}

/** Greedy NMS over `order` (already by decreasing score). */
function greedyNms(b: Float32Array, s: Float32Array, order: ArrayLike<number>, iouThreshold: number): Int32Array {
  const areas = boxAreaArray(b);
  const suppressed = new Uint8Array(s.length);
  const kept: number[] = [];
  for (let oi = 0; oi < order.length; oi++) {
    const i = order[oi]!;
    if (suppressed[i]) continue;
    kept.push(i);
    const x1 = b[4 * i]!;
    const y1 = b[4 * i + 1]!;
    const x2 = b[4 * i + 2]!;
    const y2 = b[4 * i + 3]!;
    for (let oj = oi + 1; oj < order.length; oj++) {
      const j = order[oj]!;
      if (suppressed[j]) continue;
      const w = f32(Math.max(0, f32(Math.min(x2, b[4 * j + 2]!) - Math.max(x1, b[4 * j]!))));
      const h = f32(Math.max(0, f32(Math.min(y2, b[4 * j + 3]!) - Math.max(y1, b[4 * j + 1]!))));
      const inter = f32(w * h);
      // float32 steps as in torchvision's kernel; a NaN IoU (empty union) suppresses nothing.
      const iou = f32(inter / f32(f32(areas[i]! + areas[j]!) - inter));
      if (iou > iouThreshold) suppressed[j] = 1;
    }
  }
  return Int32Array.from(kept);
}

function compareDescending(s: Float32Array, a: number, b: number): number {
  const sa = s[a]!;
  const sb = s[b]!;
  if (sa > sb) return -1;
  if (sa < sb) return 1;
  const nanA = Number.isNaN(sa);
  const nanB = Number.isNaN(sb);
  if (nanA !== nanB) return nanA ? 1 : -1;
  return a - b;
}

function checkLengths(b: Float32Array, s: Float32Array): void {
  if (b.length / 4 !== s.length) throw new Error(`nms: ${b.length / 4} boxes but ${s.length} scores`);
}
