/** detectron2's WarmupMultiStepLR / WarmupCosineLR, as pure functions of the iteration. */
export interface LrScheduleOptions {
  baseLr: number;
  /** Total iterations (cosine decays to 0 here). */
  maxIter: number;
  /** `multistep` (default) or `cosine`. */
  policy?: 'multistep' | 'cosine';
  /** Multistep: iterations where the rate is multiplied by `gamma`. Default []. */
  steps?: number[];
  /** Default 0.1. */
  gamma?: number;
  /** Default 1000 (detectron2). */
  warmupIters?: number;
  /** Warmup starts at baseLr × this. Default 0.001. */
  warmupFactor?: number;
  /** `linear` (default) or `constant`. */
  warmupMethod?: 'linear' | 'constant';
}

/** The learning rate for iteration `iter` (0-based), as detectron2's schedulers compute it. */
export function learningRateAt(iter: number, o: LrScheduleOptions): number {
  const warmupIters = o.warmupIters ?? 1000;
  const warmupFactor = o.warmupFactor ?? 0.001;
  let factor = 1;
  if (iter < warmupIters) {
    factor = (o.warmupMethod ?? 'linear') === 'constant' ? warmupFactor : warmupFactor * (1 - iter / warmupIters) + iter / warmupIters;
  }
  if ((o.policy ?? 'multistep') === 'cosine') {
    return o.baseLr * factor * 0.5 * (1 + Math.cos((Math.PI * iter) / o.maxIter));
  }
  const passed = (o.steps ?? []).filter((s) => s <= iter).length; // bisect_right
  return o.baseLr * factor * (o.gamma ?? 0.1) ** passed;
}

/** Checks schedule options, naming the offending option. */
export function validateLrSchedule(o: LrScheduleOptions, source = 'solver'): void {
  const fail = (name: string, expected: string, got: unknown) => {
    throw new Error(`${source}.${name}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (!(o.baseLr > 0)) fail('baseLr', 'a number > 0', o.baseLr);
  if (!Number.isInteger(o.maxIter) || o.maxIter < 1) fail('maxIter', 'an integer >= 1', o.maxIter);
  const steps = o.steps ?? [];
  if (!steps.every((s, i) => Number.isInteger(s) && s > 0 && (i === 0 || s > steps[i - 1]!))) fail('steps', 'increasing positive integers', steps);
  if (o.warmupIters !== undefined && !(Number.isInteger(o.warmupIters) && o.warmupIters >= 0)) fail('warmupIters', 'an integer >= 0', o.warmupIters);
}
