import * as tf from '@tensorflow/tfjs-core';
import { untapedConstant, type StateDict } from '@kestrel/runtime';
import { Norm } from './norm';
import { affineNormalize, channelMoments, ema } from './moments';
import { checkCommonOptions, optionError } from './options';

export interface BatchRenormOptions {
  /** Final clip of r = σ_B/σ to [1/rmax, rmax]. Default 3. */
  rmax?: number;
  /** Final clip of d = (μ_B − μ)/σ to [−dmax, dmax]. Default 5. */
  dmax?: number;
  /** rmax ramps linearly from 1 to `rmax` between these training steps. Default [5000, 40000] (Ioffe 2017). */
  rmaxRamp?: [number, number];
  /** dmax ramps linearly from 0 to `dmax` between these training steps. Default [5000, 25000]. */
  dmaxRamp?: [number, number];
  /** Moving-average weight of the new batch. Default 0.01 (Ioffe 2017 uses a slower average than BN). */
  momentum?: number;
  /** Inside the sqrt. Default 1e-5. */
  eps?: number;
  /** Learnable gamma/beta. Default true. */
  affine?: boolean;
}

export const BATCH_RENORM_DEFAULTS: Required<BatchRenormOptions> = {
  rmax: 3,
  dmax: 5,
  rmaxRamp: [5000, 40000],
  dmaxRamp: [5000, 25000],
  momentum: 0.01,
  eps: 1e-5,
  affine: true,
};

/**
 * Batch Renormalization (Ioffe 2017): ŷ = ((y − μ_B)/σ_B · r + d)·γ + β with
 * r = clip(σ_B/σ, 1/rmax, rmax) and d = clip((μ_B − μ)/σ, −dmax, dmax) treated as constants,
 * σ and μ the moving averages. With rmax = 1, dmax = 0 it is BN; the ramps relax it to renorm.
 */
export class BatchRenorm extends Norm {
  readonly options: Required<BatchRenormOptions>;
  readonly gamma?: tf.Variable;
  readonly beta?: tf.Variable;
  private steps = 0;

  constructor(numChannels: number, options: BatchRenormOptions = {}) {
    super(numChannels);
    this.options = { ...BATCH_RENORM_DEFAULTS, ...options };
    const { rmax, dmax, rmaxRamp, dmaxRamp, eps } = this.options;
    const fail = (name: string, expected: string, got: unknown) => optionError('brn', name, expected, got);
    checkCommonOptions('brn', this.options);
    if (!(rmax >= 1)) fail('rmax', 'a number >= 1', rmax);
    if (!(dmax >= 0)) fail('dmax', 'a number >= 0', dmax);
    for (const [name, ramp] of [['rmaxRamp', rmaxRamp], ['dmaxRamp', dmaxRamp]] as const) {
      if (!Array.isArray(ramp) || ramp.length !== 2 || !(ramp[0] >= 0 && ramp[1] >= ramp[0])) {
        fail(name, '[startStep, endStep] with 0 <= start <= end', ramp);
      }
    }
    if (!(eps > 0)) fail('eps', 'a number > 0', eps);
    if (this.options.affine) ({ gamma: this.gamma, beta: this.beta } = this.registerAffine());
    this.registerRunningStatistics({ counter: false });
  }

  /** Training steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** rmax and dmax at a training step (linear ramps). */
  limitsAt(step: number): { rmax: number; dmax: number } {
    const ramp = ([start, end]: [number, number], from: number, to: number) =>
      step >= end ? to : step <= start ? from : from + ((to - from) * (step - start)) / (end - start);
    return { rmax: ramp(this.options.rmaxRamp, 1, this.options.rmax), dmax: ramp(this.options.dmaxRamp, 0, this.options.dmax) };
  }

  forward(y: tf.Tensor): tf.Tensor {
    this.checkChannels(y);
    const { eps, momentum } = this.options;
    if (!this.training) {
      return affineNormalize(y, this.buffer('running_mean'), this.buffer('running_var'), eps, this.gamma, this.beta);
    }
    return tf.tidy(() => {
      const { mean, variance, count } = channelMoments(y);
      const { rmax, dmax } = this.limitsAt(this.steps);
      const runningMean = this.buffer('running_mean');
      const runningStd = tf.sqrt(tf.add(this.buffer('running_var'), eps));
      const batchStd = tf.sqrt(tf.add(variance, eps));
      const [r, d] = tf.unstack(
        untapedConstant([batchStd, mean], (std, mu) =>
          tf.stack([
            tf.clipByValue(tf.div(std, runningStd), 1 / rmax, rmax),
            tf.clipByValue(tf.div(tf.sub(mu, runningMean), runningStd), -dmax, dmax),
          ]),
        ),
      );
      let out: tf.Tensor = tf.add(tf.mul(tf.div(tf.sub(y, mean), batchStd), r!), d!);
      if (this.gamma) out = tf.mul(out, this.gamma);
      if (this.beta) out = tf.add(out, this.beta);
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      this.setBuffer('running_mean', ema(runningMean, mean, momentum));
      this.setBuffer('running_var', ema(this.buffer('running_var'), unbiased, momentum));
      this.steps += 1;
      return out;
    });
  }

  /** The step count (drives the ramps) travels with checkpoints so a resumed run continues them. */
  protected override getExtraState(): StateDict {
    return { steps: tf.scalar(this.steps, 'int32') };
  }

  protected override setExtraState(state: StateDict): void {
    if (Object.keys(state).length === 0) return; // e.g. imported BN weights: keep counting
    const steps = state['steps'];
    if (!steps || steps.size !== 1) throw new Error('brn: extra state "steps" missing');
    this.steps = steps.dataSync()[0]!;
  }
}
