import * as tf from '@tensorflow/tfjs-core';
import { columnDots, untapedConstant, type StateDict } from '@kestrel/runtime';
import { Norm, type ConvPadding, type ConvProducer, type Producer } from '../norm';
import { affineNormalize, ema, meanAndMeanSquare } from '../moments';
import { optionError } from '../options';
import { CbnHistory, type HistoryEntry } from './history';
import { convWithStatistics } from './fused-conv';
import { statisticGradients, weightMatrix, type ConvGeometry } from './statistic-gradients';
import { StatisticSlot } from './statistic-slot';

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
    return this.trainingForward(y, producer);
  }

  /**
   * conv2d(x, filter) (no bias, no dilation) followed by this norm: the same result as
   * `forward(conv2d(x, filter), producer)`, but when gradients are being recorded the
   * statistic gradients come from the conv's backward pass, fused with the loss's filter
   * gradient (see fused-conv.ts), instead of from a filter-gradient call of their own.
   */
  convForward(x: tf.Tensor4D, filter: tf.Tensor4D, strides: [number, number], pad: ConvPadding): tf.Tensor4D {
    return tf.tidy(() => {
      const producer: ConvProducer = { kind: 'conv2d', input: x, filter, strides, pad, dilations: [1, 1] };
      if (!this.training || this.history.capacity === 0 || !tf.engine().isTapeOn()) {
        return this.forward(tf.conv2d(x, filter, strides, pad), producer) as tf.Tensor4D;
      }
      const [kh, kw, cin, cout] = filter.shape;
      const geometry: ConvGeometry = { filterShape: [kh, kw, cin, cout], strides, pad };
      const slot = new StatisticSlot(geometry);
      const y = convWithStatistics(x, filter, geometry, slot);
      this.checkChannels(y);
      return this.trainingForward(y, producer, slot) as tf.Tensor4D;
    });
  }

  /** With a slot, the statistic gradients of this step arrive from the conv's backward pass. */
  private trainingForward(y: tf.Tensor, producer: Producer, slot?: StatisticSlot): tf.Tensor {
    return tf.tidy(() => {
      const [muT, nuT] = tf.unstack(meanAndMeanSquare(y)) as [tf.Tensor1D, tf.Tensor1D];
      const useWindow = this.steps >= this.options.burnin;
      // [sumMu, sumNu, count, currentMask] over the history; constants for autodiff.
      const constants = this.windowConstants(useWindow, producer, y, muT, nuT, slot);
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
  private windowConstants(
    useWindow: boolean,
    producer: Producer,
    y: tf.Tensor,
    muT: tf.Tensor1D,
    nuT: tf.Tensor1D,
    slot?: StatisticSlot,
  ): tf.Tensor2D {
    return untapedConstant([muT, nuT], () => {
      const value = tf.tidy(() => {
        const entries = useWindow ? this.history.entries : [];
        let sumMu: tf.Tensor;
        let sumNu: tf.Tensor;
        let count: tf.Tensor;
        let currentMask: tf.Tensor = tf.onesLike(muT);
        if (entries.length === 0) {
          sumMu = tf.zerosLike(muT);
          sumNu = sumMu;
          count = currentMask;
        } else {
          const { mu, nu } = this.compensate(entries, producer);
          if (this.options.guard === 'clamp') {
            sumMu = tf.sum(mu, 0);
            sumNu = tf.sum(tf.maximum(nu, tf.square(mu)), 0);
            count = tf.fill([this.numChannels], entries.length + 1);
          } else {
            const valid = tf.cast(tf.greaterEqual(tf.sub(nu, tf.square(mu)), 0), 'float32');
            sumMu = tf.sum(tf.mul(valid, mu), 0);
            sumNu = tf.sum(tf.mul(valid, nu), 0);
            count = tf.add(tf.sum(valid, 0), 1);
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
      this.pushCurrent(muT, nuT, producer, y, slot);
      return value;
    });
  }

  /**
   * The past entries' statistics moved to the current weights by their first-order Taylor
   * steps, as [entries, C]: mu + rho·(Σ gmu·W_t − sMu), nu + rho·(Σ gnu·W_t − sNu). All the
   * products are one columnDots call (a SIMD pass over W_t and each gnu on wasm).
   */
  private compensate(entries: readonly HistoryEntry[], producer: Producer): { mu: tf.Tensor2D; nu: tf.Tensor2D } {
    const { rho } = this.options;
    const mu = tf.stack(entries.map((e) => e.mu)) as tf.Tensor2D;
    const nu = tf.stack(entries.map((e) => e.nu)) as tf.Tensor2D;
    if (rho === 0) return { mu, nu };
    const dots = columnDots(weightMatrix(producer), entries.map((e) => e.gmu), entries.map((e) => e.gnu));
    const muDot = dots.vectorDots;
    const nuDot = dots.matrixDots;
    const muShift = tf.sub(muDot, tf.stack(entries.map((e) => e.sMu)));
    const nuShift = tf.sub(nuDot, tf.stack(entries.map((e) => e.sNu)));
    return {
      mu: tf.add(mu, rho === 1 ? muShift : tf.mul(muShift, rho)) as tf.Tensor2D,
      nu: tf.add(nu, rho === 1 ? nuShift : tf.mul(nuShift, rho)) as tf.Tensor2D,
    };
  }

  private pushCurrent(muT: tf.Tensor1D, nuT: tf.Tensor1D, producer: Producer, y: tf.Tensor, slot?: StatisticSlot): void {
    if (this.history.capacity === 0) {
      slot?.abandon();
      return;
    }
    if (slot && producer.kind === 'conv2d') {
      slot.hold(producer.input, y as tf.Tensor4D);
      this.history.pushPending(muT.clone(), nuT.clone(), slot);
      return;
    }
    const entry = tf.tidy(() => {
      const { gmu, gnu } = statisticGradients(producer, y);
      // s = Σ g·W_τ: the same products the Taylor step takes against later weights.
      const { vectorDots, matrixDots } = columnDots(weightMatrix(producer), [gmu], [gnu]);
      const sMu = tf.reshape(vectorDots, [-1]) as tf.Tensor1D;
      const sNu = tf.reshape(matrixDots, [-1]) as tf.Tensor1D;
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
