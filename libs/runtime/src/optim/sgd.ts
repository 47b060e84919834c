import * as tf from '@tensorflow/tfjs-core';
import type { StateDict } from '../module/state-dict';

/** A parameter the optimizer updates, under a stable dotted name (`backbone.layer1.0.conv1.weight`). */
export interface OptimizedParameter {
  name: string;
  variable: tf.Variable;
  /** Per-parameter weight decay; default the optimizer's. detectron2 uses 0 for norm parameters. */
  weightDecay?: number;
}

export interface SgdOptions {
  /** Default 0.9. */
  momentum?: number;
  /** L2 penalty added to the gradient (PyTorch's `weight_decay`). Default 1e-4 (detectron2). */
  weightDecay?: number;
  /** Default 0. */
  dampening?: number;
  /** Default false. */
  nesterov?: boolean;
}

/**
 * SGD with momentum, exactly PyTorch's `torch.optim.SGD`:
 *   d = g + λ·p;  buf = μ·buf + (1 − dampening)·d (buf = d on the first step);
 *   d = nesterov ? d + μ·buf : buf;  p ← p − lr·d.
 * The learning rate is passed per step so schedules live outside. Momentum buffers are keyed by
 * parameter name, so `stateDict()` / `loadStateDict()` resume a run exactly across processes.
 */
export class SGD {
  readonly options: Required<SgdOptions>;
  private readonly buffers = new Map<string, tf.Tensor>();
  private readonly byName = new Map<string, OptimizedParameter>();

  constructor(readonly parameters: readonly OptimizedParameter[], options: SgdOptions = {}) {
    this.options = { momentum: 0.9, weightDecay: 1e-4, dampening: 0, nesterov: false, ...options };
    const { momentum, weightDecay, dampening, nesterov } = this.options;
    if (!(momentum >= 0)) throw new Error(`SGD: option "momentum" must be >= 0, got ${momentum}`);
    if (!(weightDecay >= 0)) throw new Error(`SGD: option "weightDecay" must be >= 0, got ${weightDecay}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new Error('SGD: nesterov needs momentum > 0 and dampening 0');
    for (const p of parameters) {
      if (this.byName.has(p.name)) throw new Error(`SGD: parameter name "${p.name}" appears twice`);
      this.byName.set(p.name, p);
    }
  }

  /**
   * One update. `grads` is keyed by tf.Variable name, as `tf.variableGrads` returns it;
   * parameters without a gradient are left alone (like PyTorch's `p.grad is None`).
   */
  step(grads: tf.NamedTensorMap, lr: number): void {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`SGD.step: learning rate must be a finite number >= 0, got ${lr}`);
    const { momentum, dampening, nesterov } = this.options;
    for (const p of this.parameters) {
      const grad = grads[p.variable.name];
      if (!grad) continue;
      const previous = this.buffers.get(p.name);
      const next = tf.tidy(() => {
        const decay = p.weightDecay ?? this.options.weightDecay;
        let d: tf.Tensor = decay > 0 ? tf.add(grad, tf.mul(p.variable, decay)) : grad;
        let buffer: tf.Tensor | undefined;
        if (momentum > 0) {
          buffer = previous ? tf.add(tf.mul(previous, momentum), tf.mul(d, 1 - dampening)) : tf.clone(d);
          d = nesterov ? tf.add(d, tf.mul(buffer, momentum)) : buffer;
        }
        p.variable.assign(tf.sub(p.variable, tf.mul(d, lr)));
        return buffer;
      });
      if (next) {
        previous?.dispose();
        this.buffers.set(p.name, tf.keep(next));
      }
    }
  }

  /** Momentum buffers as `momentum.<parameter name>` (new handles, owned by the caller). */
  stateDict(): StateDict {
    const state: StateDict = {};
    for (const [name, buffer] of this.buffers) state[`momentum.${name}`] = tf.clone(buffer);
    return state;
  }

  /** Restores momentum buffers, checking each names a parameter with the same shape. */
  loadStateDict(state: StateDict): void {
    const loaded = new Map<string, tf.Tensor>();
    for (const [key, tensor] of Object.entries(state)) {
      const name = key.startsWith('momentum.') ? key.slice('momentum.'.length) : undefined;
      const p = name === undefined ? undefined : this.byName.get(name);
      if (!p) throw new Error(`SGD.loadStateDict: unexpected key "${key}" (no such parameter)`);
      if (tensor.shape.join(',') !== p.variable.shape.join(',')) {
        throw new Error(`SGD.loadStateDict: "${key}" has shape [${tensor.shape.join(', ')}], parameter has [${p.variable.shape.join(', ')}]`);
      }
      loaded.set(name!, tensor);
    }
    this.disposeBuffers();
    for (const [name, tensor] of loaded) this.buffers.set(name, tf.keep(tf.clone(tensor)));
  }

  dispose(): void {
    this.disposeBuffers();
  }

  private disposeBuffers(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
