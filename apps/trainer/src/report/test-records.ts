/** Synthetic metrics records for the report tests: a noisy, decaying Mask R-CNN run. */
import type { EvalRecord, MetricsRecord, TrainRecord } from '../metrics';

export function syntheticRecords(options: { iterations?: number; period?: number; evalPeriod?: number; mask?: boolean } = {}): MetricsRecord[] {
  const { iterations = 3000, period = 20, evalPeriod = 1000, mask = true } = options;
  const records: MetricsRecord[] = [];
  const noise = (i: number, k: number): number => 1 + 0.25 * Math.sin(i * (1.3 + 0.4 * k));
  for (let iter = period; iter <= iterations; iter += period) {
    const i = iter / period;
    const decay = (start: number, floor: number, k: number): number => (floor + start * Math.exp(-iter / (iterations / 4))) * noise(i, k);
    const losses: TrainRecord['losses'] = {
      loss_cls: decay(0.6, 0.08, 0),
      loss_box_reg: decay(0.3, 0.1, 1),
      loss_rpn_cls: decay(0.4, 0.01, 2),
      loss_rpn_loc: decay(0.15, 0.02, 3),
      total_loss: 0,
    };
    if (mask) losses.loss_mask = decay(0.5, 0.15, 4);
    losses.total_loss = losses.loss_cls + losses.loss_box_reg + losses.loss_rpn_cls + losses.loss_rpn_loc + (losses.loss_mask ?? 0);
    const lr = 0.02 * Math.min(1, iter / 500) * (iter > iterations * 0.8 ? 0.1 : 1);
    records.push({ type: 'train', iter, time: iter * 0.5, lr, losses, imagesPerSecond: 4, dataTime: 0.01 });
    if (iter % evalPeriod === 0) {
      const ap = 40 * (1 - Math.exp(-iter / (iterations / 3)));
      const summary = (a: number): EvalRecord['bbox'] => ({ AP: a, AP50: a * 1.6, AP75: a * 1.05, APs: a * 0.5, APm: a * 1.1, APl: a * 1.3 });
      records.push({ type: 'eval', iter, time: iter * 0.5, bbox: summary(ap), ...(mask ? { segm: summary(ap * 0.9) } : {}) });
    }
  }
  return records;
}
