import * as tf from '@tensorflow/tfjs-core';
import { untapedConstant, type StateDict } from '@kestrel/runtime';
import { Norm, type Producer } from '../norm';
import { affineNormalize, batchAxes, ema } from '../moments';
import { optionError } from '../options';
import { CbnHistory, type HistoryEntry } from './history';
import { statisticGradients, weightMatrix } from './statistic-gradients';

export interface CbnOptions {
  /** k: the current iteration plus up to k−1 previous ones. Default 4. */
  window?: number;
  /** Training steps that run as plain BN (window 1) before the window opens. Default 0. */
  burnin?: number;
  /** Scale of the Taylor compensation: 1 = CBN, 0 = naive cross-iteration average. Default 1. */
  rho?: number;
  /** Inside the sqrt. Default 1e-5. */
  eps?: number;
  /** Running-statistics EMA weight of the new value. Default 0.1. */
  momentum?: number;
  /** Per-entry variance guard: `clamp` ν ≥ μ² (paper), `drop` invalid entries (released code). Default `clamp`. */
  guard?: 'clamp' | 'drop';
  /** Running stats track what was normalized with (`window`) or the batch's own stats (`batch`). Default `window`. */
  running?: 'window' | 'batch';
  /** Learnable gamma/beta. Default true. */
  affine?: boolean;
}

export const CBN_DEFAULTS: Required<CbnOptions> = {
  window: 4,
  burnin: 0,
  rho: 1,
  eps: 1e-5,
  momentum: 0.1,
  guard: 'clamp',
  running: 'window',
  affine: true,
};

/**
 * Cross-Iteration Batch Normalization (Yao et al., CVPR 2021), as specified in docs/cbn.md:
 * per channel, the mean and E[y²] of the last k iterations, each moved to the current
 * weights by a first-order Taylor step, are averaged. Gradients flow through the current
 * iteration's statistics only.
 */
export class CrossIterationBatchNorm extends Norm {
  override readonly needsProducer = true;
  readonly options: Required<CbnOptions>;
  readonly gamma?: tf.Variable;
  readonly beta?: tf.Variable;
  private readonly history: CbnHistory;
  private steps = 0;
  private last?: { mean: tf.Tensor1D; variance: tf.Tensor1D };

  constructor(numChannels: number, options: CbnOptions = {}) {
    super(numChannels);
    this.options = { ...CBN_DEFAULTS, ...options };
    validateCbnOptions(this.options);
    this.history = new CbnHistory(this.options.window - 1);
    if (this.options.affine) ({ gamma: this.gamma, beta: this.beta } = this.registerAffine());
    this.registerRunningStatistics({ counter: true });
  }

  /** Training steps taken so far (drives burn-in). */
  get stepCount(): number {
    return this.steps;
  }

  /** Mean and variance the last training step normalized with (for inspection and tests). */
  lastStatistics(): { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined {
    return this.last;
  }

  forward(y: tf.Tensor, producer?: Producer): tf.Tensor {
    this.checkChannels(y);
    if (!this.training) {
      return this.normalize(y, this.buffer('running_mean') as tf.Tensor1D, this.buffer('running_var') as tf.Tensor1D);
    }
    if (!producer) {
      throw new Error('cbn: training needs the producing conv/dense layer (pass its input and filter), see ConvNorm');
    }
    return tf.tidy(() => {
      const axes = batchAxes(y);
      const muT = tf.mean(y, axes) as tf.Tensor1D;
      const nuT = tf.mean(tf.square(y), axes) as tf.Tensor1D;
      const useWindow = this.steps >= this.options.burnin;
      // [sumMu, sumNu, count, currentMask] over the history; constants for autodiff.
      const constants = this.windowConstants(useWindow, producer, y, muT, nuT);
      const [sumMu, sumNu, count, currentMask] = tf.unstack(constants) as tf.Tensor1D[];
      let mean: tf.Tensor1D;
      let meanSquare: tf.Tensor1D;
      if (this.options.guard === 'clamp') {
        mean = tf.div(tf.add(muT, sumMu!), count!);
        meanSquare = tf.div(tf.add(tf.maximum(nuT, tf.square(muT)), sumNu!), count!);
      } else {
        mean = tf.div(tf.add(tf.mul(currentMask!, muT), sumMu!), count!);
        meanSquare = tf.div(tf.add(tf.mul(currentMask!, nuT), sumNu!), count!);
      }
      const variance = tf.sub(meanSquare, tf.square(mean)) as tf.Tensor1D;
      this.updateRunning(
        this.options.running === 'window' ? mean : muT,
        this.options.running === 'window' ? variance : tf.sub(nuT, tf.square(muT)),
      );
      this.steps += 1;
      this.remember(mean, variance);
      return this.normalize(y, mean, variance);
    });
  }

  /**
   * The window's history sums, untaped (history and Taylor terms are constants for autodiff),
   * packed as [sumMu, sumNu, count, currentMask]; as a side effect, pushes the current
   * iteration into the history.
   */
  private windowConstants(useWindow: boolean, producer: Producer, y: tf.Tensor, muT: tf.Tensor1D, nuT: tf.Tensor1D): tf.Tensor2D {
    return untapedConstant([muT, nuT], () => {
      const value = tf.tidy(() => {
        const entries = useWindow ? this.history.entries : [];
        const w = weightMatrix(producer);
        let sumMu: tf.Tensor = tf.zerosLike(muT);
        let sumNu: tf.Tensor = tf.zerosLike(muT);
        let count: tf.Tensor = tf.onesLike(muT);
        let currentMask: tf.Tensor = tf.onesLike(muT);
        for (const entry of entries) {
          const { mu, nu } = this.compensate(entry, w);
          if (this.options.guard === 'clamp') {
            sumMu = tf.add(sumMu, mu);
            sumNu = tf.add(sumNu, tf.maximum(nu, tf.square(mu)));
            count = tf.add(count, 1);
          } else {
            const valid = tf.cast(tf.greaterEqual(tf.sub(nu, tf.square(mu)), 0), 'float32');
            sumMu = tf.add(sumMu, tf.mul(valid, mu));
            sumNu = tf.add(sumNu, tf.mul(valid, nu));
            count = tf.add(count, valid);
          }
        }
        if (this.options.guard === 'drop') {
          // The current entry is dropped too when invalid, unless nothing else is left.
          const historyCount = tf.sub(count, 1);
          const currentValid = tf.cast(tf.greaterEqual(tf.sub(nuT, tf.square(muT)), 0), 'float32');
          currentMask = tf.maximum(currentValid, tf.cast(tf.equal(historyCount, 0), 'float32'));
          count = tf.add(historyCount, currentMask);
        }
        return tf.stack([sumMu, sumNu, count, currentMask]) as tf.Tensor2D;
      });
      this.pushCurrent(muT, nuT, producer, y);
      return value;
    });
  }

  /** A past entry's statistics moved to the current weights by its first-order Taylor step. */
  private compensate(entry: HistoryEntry, w: tf.Tensor2D): { mu: tf.Tensor1D; nu: tf.Tensor1D } {
    const { rho } = this.options;
    if (rho === 0) return { mu: entry.mu, nu: entry.nu };
    const muShift = tf.sub(tf.reshape(tf.matMul(tf.reshape(entry.gmu, [1, -1]), w), [-1]), entry.sMu);
    const nuShift = tf.sub(tf.sum(tf.mul(entry.gnu, w), 0), entry.sNu);
    return {
      mu: tf.add(entry.mu, tf.mul(muShift, rho)) as tf.Tensor1D,
      nu: tf.add(entry.nu, tf.mul(nuShift, rho)) as tf.Tensor1D,
    };
  }

  private pushCurrent(muT: tf.Tensor1D, nuT: tf.Tensor1D, producer: Producer, y: tf.Tensor): void {
    if (this.history.capacity === 0) return;
    const entry = tf.tidy(() => {
      const { gmu, gnu } = statisticGradients(producer, y);
      const w = weightMatrix(producer);
      const sMu = tf.reshape(tf.matMul(tf.reshape(gmu, [1, -1]), w), [-1]) as tf.Tensor1D;
      const sNu = tf.sum(tf.mul(gnu, w), 0) as tf.Tensor1D;
      return { mu: muT.clone(), nu: nuT.clone(), gmu, gnu, sMu, sNu };
    });
    this.history.push(entry);
  }

  private remember(mean: tf.Tensor1D, variance: tf.Tensor1D): void {
    this.last?.mean.dispose();
    this.last?.variance.dispose();
    // Detached copies: the originals belong to the caller's tape.
    this.last = { mean: tf.keep(mean.clone()), variance: tf.keep(variance.clone()) };
  }

  private updateRunning(mean: tf.Tensor1D, variance: tf.Tensor1D): void {
    const m = this.options.momentum;
    this.setBuffer('running_mean', ema(this.buffer('running_mean'), mean, m));
    this.setBuffer('running_var', ema(this.buffer('running_var'), variance, m));
    this.setBuffer('num_batches_tracked', tf.scalar(this.steps + 1, 'int32'));
  }

  private normalize(y: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D): tf.Tensor {
    return affineNormalize(y, mean, variance, this.options.eps, this.gamma, this.beta);
  }

  protected override getExtraState(): StateDict {
    return { ...this.history.toState(), steps: tf.scalar(this.steps, 'int32') };
  }

  /** Empty state (e.g. weights imported from a BN checkpoint) keeps the current history. */
  protected override setExtraState(state: StateDict): void {
    if (Object.keys(state).length === 0) return;
    const steps = state['steps'];
    if (!steps || steps.size !== 1) throw new Error('cbn: extra state "steps" missing');
    const k = this.history.entries[0]?.gmu.shape[0] ?? inferK(state);
    this.history.loadState(state, { k, c: this.numChannels }, 'cbn');
    this.steps = steps.dataSync()[0]!;
  }

  override dispose(): void {
    this.history.clear();
    this.last?.mean.dispose();
    this.last?.variance.dispose();
    super.dispose();
  }
}

function inferK(state: StateDict): number {
  return state['history.0.gmu']?.shape[0] ?? 0;
}

/** Throws naming the option and the accepted values. */
export function validateCbnOptions(o: Required<CbnOptions>): void {
  const fail = (name: string, expected: string, got: unknown) => optionError('cbn', name, expected, got);
  if (!Number.isInteger(o.window) || o.window < 1) fail('window', 'an integer >= 1', o.window);
  if (!Number.isInteger(o.burnin) || o.burnin < 0) fail('burnin', 'an integer >= 0', o.burnin);
  if (!(o.rho >= 0 && o.rho <= 1)) fail('rho', 'a number in [0, 1]', o.rho);
  if (!(o.eps > 0)) fail('eps', 'a number > 0', o.eps);
  if (!(o.momentum >= 0 && o.momentum <= 1)) fail('momentum', 'a number in [0, 1]', o.momentum);
  if (o.guard !== 'clamp' && o.guard !== 'drop') fail('guard', '"clamp" or "drop"', o.guard);
  if (o.running !== 'window' && o.running !== 'batch') fail('running', '"window" or "batch"', o.running);
  if (typeof o.affine !== 'boolean') fail('affine', 'true or false', o.affine);
}
