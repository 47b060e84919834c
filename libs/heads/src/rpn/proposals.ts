import { batchedNms, clipBoxesArray, nonemptyIndicesArray, selectBoxesArray, topKIndices, type BoxCoderWeights } from '@kestrel/ops';
import { concatFloat32, decodeBoxesArray } from '../box-arrays';
import type { ImageSize, Proposals } from '../types';

/** One image's RPN outputs on one level, as plain values. */
export interface LevelPredictions {
  /** H·W·A × 4 anchor boxes. */
  anchors: Float32Array;
  /** H·W·A objectness logits. */
  logits: Float32Array;
  /** H·W·A × 4 deltas. */
  deltas: Float32Array;
}

export interface ProposalOptions {
  /** Highest-scoring anchors kept per level before NMS (detectron2: 2000 train, 1000 test). */
  preNmsTopK: number;
  /** Proposals kept per image after NMS (detectron2: 1000). */
  postNmsTopK: number;
  /** IoU threshold of the per-level NMS. */
  nmsThreshold: number;
  /** Boxes whose width or height is not above this (input pixels) are dropped. */
  minBoxSize: number;
  /** Box coder weights of the RPN (1, 1, 1, 1). */
  boxWeights: BoxCoderWeights;
}

/**
 * detectron2's `find_top_rpn_proposals` for one image: per level the top-k anchors by
 * objectness, decoded; then over all levels drop non-finite boxes, clip to the image, drop
 * small boxes, NMS within each level, and keep the best `postNmsTopK`. Plain values, so the
 * proposals carry no gradient (detectron2 detaches them).
 */
export function findTopProposals(levels: readonly LevelPredictions[], imageSize: ImageSize, options: ProposalOptions): Proposals {
  const boxes: Float32Array[] = [];
  const scores: number[] = [];
  const levelIds: number[] = [];
  levels.forEach((level, l) => {
    const top = topKIndices(level.logits, options.preNmsTopK);
    boxes.push(decodeBoxesArray(level.deltas, level.anchors, top, 1, options.boxWeights));
    for (const i of top) {
      scores.push(level.logits[i]!);
      levelIds.push(l);
    }
  });
  const all = concatFloat32(boxes);
  const finite: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (Number.isFinite(scores[i]) && [0, 1, 2, 3].every((c) => Number.isFinite(all[4 * i + c]))) finite.push(i);
  }
  const clipped = clipBoxesArray(selectBoxesArray(all, finite), imageSize);
  const kept = nonemptyIndicesArray(clipped, options.minBoxSize);
  const keptBoxes = selectBoxesArray(clipped, kept);
  const keptScores = Float32Array.from(kept, (i) => scores[finite[i]!]!);
  const keptLevels = Int32Array.from(kept, (i) => levelIds[finite[i]!]!);
  const order = batchedNms(keptBoxes, keptScores, keptLevels, options.nmsThreshold).slice(0, options.postNmsTopK);
  return { boxes: selectBoxesArray(keptBoxes, order), objectnessLogits: Float32Array.from(order, (i) => keptScores[i]!) };
}
