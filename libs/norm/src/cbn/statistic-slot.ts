import * as tf from '@tensorflow/tfjs-core';
import { convStatisticGradients, type ConvGeometry } from './statistic-gradients';

export interface StatisticGradients {
  gmu: tf.Tensor1D;
  gnu: tf.Tensor2D;
}

/**
 * The statistic gradients of one training step's conv, which only later steps need. The conv's
 * backward pass fills the slot from the same filter-gradient call as the loss's (see
 * fused-conv.ts); when no backward pass runs before they are needed (a forward without
 * gradients for this conv, or two forwards in one step) they are computed from the kept conv
 * input and output, exactly as without the slot.
 */
export class StatisticSlot {
  private x?: tf.Tensor4D;
  private y?: tf.Tensor4D;
  private result?: StatisticGradients;
  private closed = false;

  constructor(readonly geometry: ConvGeometry) {}

  /** Keeps the conv input and output for the fallback (aliases: no copy). Call untaped. */
  hold(x: tf.Tensor4D, y: tf.Tensor4D): void {
    this.x = tf.keep(x.clone());
    this.y = tf.keep(y.clone());
  }

  /** Whether a backward pass should still compute the statistic gradients. */
  get wanted(): boolean {
    return !this.closed && this.result === undefined;
  }

  /** From the backward pass: keeps the tensors (ignored unless {@link wanted}). */
  fill(gradients: StatisticGradients): void {
    if (!this.wanted) return;
    this.result = { gmu: tf.keep(gradients.gmu), gnu: tf.keep(gradients.gnu) };
    this.releaseInputs();
  }

  /** The statistic gradients, now; the caller owns them and the slot is closed. */
  take(): StatisticGradients {
    if (this.closed) throw new Error('cbn: statistic slot already taken');
    let result = this.result;
    if (!result) {
      if (!this.x || !this.y) throw new Error('cbn: statistic slot holds neither gradients nor the conv input');
      const computed = convStatisticGradients(this.x, this.y, this.geometry);
      result = { gmu: tf.keep(computed.gmu), gnu: tf.keep(computed.gnu) };
    }
    this.result = undefined;
    this.closed = true;
    this.releaseInputs();
    return result;
  }

  /** Frees everything; a later backward pass computes the plain filter gradient only. */
  abandon(): void {
    this.closed = true;
    this.result?.gmu.dispose();
    this.result?.gnu.dispose();
    this.result = undefined;
    this.releaseInputs();
  }

  private releaseInputs(): void {
    this.x?.dispose();
    this.y?.dispose();
    this.x = undefined;
    this.y = undefined;
  }
}
