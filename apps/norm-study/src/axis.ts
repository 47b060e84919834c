/** Axis math for the plot: "nice" tick steps and value → pixel scales. */

/** The 1-2-5 step nearest to range/targetTicks (e.g. 0.37 → 0.5, 7 → 5, 23 → 20). */
export function niceStep(range: number, targetTicks: number): number {
  if (!(range > 0) || !(targetTicks >= 1)) throw new RangeError(`niceStep: need range > 0 and targetTicks >= 1, got ${range}, ${targetTicks}`);
  const raw = range / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const nice = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10;
  return nice * magnitude;
}

export interface Ticks {
  /** Axis limits: multiples of `step` enclosing the data. */
  min: number;
  max: number;
  step: number;
  values: number[];
}

/** Ticks covering [min, max] at a 1-2-5 step; a degenerate range is widened by one unit each side. */
export function niceTicks(min: number, max: number, targetTicks = 6): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`niceTicks: non-finite range [${min}, ${max}]`);
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    min -= 1;
    max += 1;
  }
  const step = niceStep(max - min, targetTicks);
  // Small tolerance so a bound that is already a tick (up to float error) stays one.
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const values: number[] = [];
  for (let k = 0; lo + k * step <= hi + step * 1e-9; k++) values.push(roundTo(lo + k * step, step));
  return { min: roundTo(lo, step), max: roundTo(hi, step), step, values };
}

/** Rounds away float noise at the step's precision (0.1 + 0.2 → 0.3). */
function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(decimals));
}

/** Decimal places that show every tick of `step` distinctly (5 → 0, 0.5 → 1, 0.25 → 2). */
export function tickDecimals(step: number): number {
  for (let d = 0; d < 10; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9) return d;
  return 10;
}

/** Maps [d0, d1] linearly onto [p0, p1] (p0 > p1 is fine: image y grows downwards). */
export function linearScale(d0: number, d1: number, p0: number, p1: number): (v: number) => number {
  if (d0 === d1) throw new RangeError('linearScale: empty domain');
  return (v) => p0 + ((v - d0) / (d1 - d0)) * (p1 - p0);
}

/** Maps [d0, d1] (positive) onto [p0, p1] on a log2 axis, so batch sizes 1, 2, 4, … are evenly spaced. */
export function log2Scale(d0: number, d1: number, p0: number, p1: number): (v: number) => number {
  if (!(d0 > 0 && d1 > 0)) throw new RangeError(`log2Scale: domain must be positive, got [${d0}, ${d1}]`);
  const inner = linearScale(Math.log2(d0), Math.log2(d1), p0, p1);
  return (v) => inner(Math.log2(v));
}
