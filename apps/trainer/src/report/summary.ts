/** What report.md says about a finished run; the trainer fills it at the end of training. */
import type { CocoSummary, LossValues } from '../metrics';
import type { TrainingPlots } from './plots';

/** The norm layer of each model part (e.g. 'cbn', 'gn', 'frozen-bn'). */
export interface NormsPerPart {
  backbone: string;
  fpn: string;
  boxHead: string;
  /** Mask R-CNN only. */
  maskHead?: string;
}

/** AP of one category, in percent; negative (pycocotools' -1) when it has no ground truth. */
export interface CategoryAp {
  name: string;
  ap: number;
}

/** The last COCO evaluation of the run. */
export interface FinalEval {
  /** Iteration the evaluated weights come from. */
  iter: number;
  bbox: CocoSummary;
  segm?: CocoSummary;
  /** Per-category AP by IoU type, in category order. */
  perCategory?: { bbox: readonly CategoryAp[]; segm?: readonly CategoryAp[] };
}

/**
 * Everything report.md shows. File paths are absolute or relative to the working directory
 * (as the trainer builds them, e.g. `runs/x/plots/losses.png`); the report links them relative
 * to itself.
 */
export interface RunSummary {
  runName: string;
  /** The training config the run was started from (e.g. `configs/train/…json`). */
  configName: string;
  /** The resolved config written into the run folder, normally `<runDir>/config.json`. */
  configFile: string;
  /** Architecture in words, e.g. 'Mask R-CNN, ResNet-18-FPN'. */
  model: string;
  norms: NormsPerPart;
  /** TF.js backend the run used ('tensorflow', 'wasm', 'cpu'). */
  backend: string;
  /** Iterations trained (the final iteration). */
  iterations: number;
  /** Images per iteration. */
  batchSize: number;
  /** Training wall time in seconds (summed over resumed segments). */
  wallSeconds: number;
  imagesPerSecond: number;
  /** Losses of the last logged period. */
  finalLosses: LossValues;
  /** Absent when the run was never evaluated. */
  finalEval?: FinalEval;
  plots: TrainingPlots;
  /** Prediction overlays on validation images. */
  overlays: readonly string[];
  /** The final checkpoint. */
  checkpoint: string;
  /** Inputs for the evaluate-again command; without them the evaluator finds the newest run itself. */
  evaluation?: { gtAnnotations?: string; predictions?: string };
}
