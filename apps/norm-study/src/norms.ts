/**
 * The norms the study compares and how each is configured for one cell (batch size, steps).
 * Settings that the libraries define in training steps (CBN burn-in, BRN ramps) are given here
 * as fractions of the cell's steps, so a batch-1 run (many steps) and a batch-16 run (few steps)
 * relax at the same point of training.
 */
import type { NormSpec } from '@kestrel/norm';

/** Norms the study knows; `frozen-bn` is left out: from scratch it is a fixed identity (nothing learns its statistics). */
export const STUDY_NORMS = ['bn', 'gn', 'brn', 'cbn-naive', 'cbn'] as const;
export type StudyNorm = (typeof STUDY_NORMS)[number];

export interface NormSettings {
  /**
   * CBN window k (current + k−1 previous iterations), or `auto`: the smallest k with
   * k·batch ≥ `cbnExamples`, at least 2 (so batch 16 still averages across iterations).
   * Default 'auto'.
   */
  cbnWindow?: number | 'auto';
  /** Examples `auto` aims the window at. Default 16. */
  cbnExamples?: number;
  /** CBN burn-in (plain BN steps) as a fraction of the cell's steps. Default 0.25 (see README: shorter burn-in is unstable at the study's learning rate). */
  cbnBurnin?: number;
  /** BRN: rmax ramps 1→3 over this fraction range of the steps. Default [0.05, 0.5]. */
  brnRmaxRamp?: [number, number];
  /** BRN: dmax ramps 0→5 over this fraction range of the steps. Default [0.05, 0.3]. */
  brnDmaxRamp?: [number, number];
  /**
   * BRN running-average momentum. Default 0.1, as BN and CBN: Ioffe's 0.01 is for runs of
   * 10⁵ steps; over a 250-step cell (batch 16) it leaves the running statistics that BRN
   * corrects towards, and evaluates with, far behind the weights.
   */
  brnMomentum?: number;
  /** GroupNorm channels per group (16, 32, 64 channels → 8, 16, 32 groups). Default 2. */
  gnChannelsPerGroup?: number;
  /**
   * Where cbn / cbn-naive are applied: in every block ('all') or only in the last N blocks,
   * the earlier ones using BN (to see where cross-iteration statistics matter). Default 'all'.
   */
  cbnBlocks?: number | 'all';
}

export const NORM_SETTINGS_DEFAULTS: Readonly<Required<NormSettings>> = Object.freeze({
  cbnWindow: 'auto' as const,
  cbnExamples: 16,
  cbnBurnin: 0.25,
  brnRmaxRamp: [0.05, 0.5] as [number, number],
  brnDmaxRamp: [0.05, 0.3] as [number, number],
  brnMomentum: 0.1,
  gnChannelsPerGroup: 2,
  cbnBlocks: 'all' as const,
});

export function isStudyNorm(name: string): name is StudyNorm {
  return (STUDY_NORMS as readonly string[]).includes(name);
}

/** CBN window for a batch size. */
export function cbnWindowFor(batchSize: number, settings: NormSettings = {}): number {
  const window = settings.cbnWindow ?? NORM_SETTINGS_DEFAULTS.cbnWindow;
  if (window !== 'auto') return window;
  const examples = settings.cbnExamples ?? NORM_SETTINGS_DEFAULTS.cbnExamples;
  return Math.max(2, Math.ceil(examples / batchSize));
}

/** The NormSpec for `norm` in a cell of `batchSize` trained for `steps` steps. */
export function normSpecFor(norm: StudyNorm, batchSize: number, steps: number, settings: NormSettings = {}): NormSpec {
  const s = { ...NORM_SETTINGS_DEFAULTS, ...settings };
  const at = (fraction: number): number => Math.round(fraction * steps);
  switch (norm) {
    case 'bn':
      return 'bn';
    case 'gn':
      return { type: 'gn', channelsPerGroup: s.gnChannelsPerGroup };
    case 'brn':
      return {
        type: 'brn',
        rmaxRamp: [at(s.brnRmaxRamp[0]), at(s.brnRmaxRamp[1])],
        dmaxRamp: [at(s.brnDmaxRamp[0]), at(s.brnDmaxRamp[1])],
        momentum: s.brnMomentum,
      };
    case 'cbn':
    case 'cbn-naive':
      return { type: norm, window: cbnWindowFor(batchSize, s), burnin: at(s.cbnBurnin) };
  }
}

/** The norm of each block of a `blocks`-block model: `normSpecFor`, except BN before the last `cbnBlocks` blocks. */
export function blockNormSpecs(norm: StudyNorm, blocks: number, batchSize: number, steps: number, settings: NormSettings = {}): NormSpec[] {
  const spec = normSpecFor(norm, batchSize, steps, settings);
  const cbnBlocks = settings.cbnBlocks ?? NORM_SETTINGS_DEFAULTS.cbnBlocks;
  const crossIteration = norm === 'cbn' || norm === 'cbn-naive';
  return Array.from({ length: blocks }, (_, i) => (crossIteration && cbnBlocks !== 'all' && i < blocks - cbnBlocks ? 'bn' : spec));
}
