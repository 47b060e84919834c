/**
 * SGD with momentum and decoupled-from-norm weight decay, PyTorch's formula
 * (v ← μ·v + g + λ·w; w ← w − lr·v), with the rate passed per step so the schedule lives
 * outside the optimizer. Velocities are kept tensors, replaced (and the old ones freed) each step.
 */
import { tf } from '@kestrel/runtime';

export interface SgdOptions {
  /** Default 0.9. */
  momentum?: number;
  /** L2 weight decay on `decayed` variables. Default 5e-4. */
  weightDecay?: number;
}

export class Sgd {
  private readonly velocity = new Map<tf.Variable, tf.Tensor>();
  private readonly decayed: Set<tf.Variable>;
  private readonly momentum: number;
  private readonly weightDecay: number;

  constructor(
    readonly variables: readonly tf.Variable[],
    decayed: readonly tf.Variable[],
    options: SgdOptions = {},
  ) {
    this.decayed = new Set(decayed);
    this.momentum = options.momentum ?? 0.9;
    this.weightDecay = options.weightDecay ?? 5e-4;
  }

  /** Applies one update with `grads` keyed by variable name (as tf.variableGrads returns them). */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    for (const variable of this.variables) {
      const grad = grads[variable.name];
      if (!grad) continue;
      const previous = this.velocity.get(variable);
      const next = tf.tidy(() => {
        let g = grad;
        if (this.weightDecay > 0 && this.decayed.has(variable)) g = tf.add(g, tf.mul(variable, this.weightDecay));
        const v = previous ? tf.add(tf.mul(previous, this.momentum), g) : g.clone();
        variable.assign(tf.sub(variable, tf.mul(v, lr)));
        return v;
      });
      previous?.dispose();
      this.velocity.set(variable, tf.keep(next));
    }
  }

  dispose(): void {
    for (const v of this.velocity.values()) v.dispose();
    this.velocity.clear();
  }
}
