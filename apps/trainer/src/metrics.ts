/**
 * Records of a run's `metrics.jsonl` (one JSON object per line, appended as the run goes).
 * Plots and the report are drawn from these records, so a resumed run's file stays one history.
 */

/** Losses of one iteration by detectron2's names, plus their sum. */
export interface LossValues {
  total_loss: number;
  loss_rpn_cls: number;
  loss_rpn_loc: number;
  loss_cls: number;
  loss_box_reg: number;
  loss_mask?: number;
}

/** Written every `output.logPeriod` iterations: losses averaged over the period. */
export interface TrainRecord {
  type: 'train';
  /** 1-based count of finished iterations. */
  iter: number;
  /** Seconds of training so far (summed over resumed segments). */
  time: number;
  lr: number;
  losses: LossValues;
  imagesPerSecond: number;
  /** Mean seconds per iteration waiting for data in the period. */
  dataTime: number;
}

/** COCO summary numbers of one IoU type, in percent (detectron2's convention); -1 = no ground truth in that range. */
export interface CocoSummary {
  AP: number;
  AP50: number;
  AP75: number;
  APs: number;
  APm: number;
  APl: number;
}

/** Written after each evaluation. */
export interface EvalRecord {
  type: 'eval';
  iter: number;
  time: number;
  bbox: CocoSummary;
  segm?: CocoSummary;
}

export type MetricsRecord = TrainRecord | EvalRecord;
