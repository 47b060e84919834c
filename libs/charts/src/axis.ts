/** Axis math: "nice" tick steps, log ticks, tick labels and value → pixel scales. */

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

/** Maps [d0, d1] (positive) onto [p0, p1] on a log10 axis (loss curves span decades). */
export function log10Scale(d0: number, d1: number, p0: number, p1: number): (v: number) => number {
  if (!(d0 > 0 && d1 > 0)) throw new RangeError(`log10Scale: domain must be positive, got [${d0}, ${d1}]`);
  const inner = linearScale(Math.log10(d0), Math.log10(d1), p0, p1);
  return (v) => inner(Math.log10(v));
}

/** Spans of up to this many decades get 1-2-5 ticks; wider ones get ticks at powers of ten only. */
const MAX_DECADES_FOR_125 = 2;

/**
 * Ticks for a log10 axis covering [min, max] (both > 0). The limits snap outwards to the 1-2-5
 * sequence (…, 0.1, 0.2, 0.5, 1, 2, …) so little of the plot is wasted; inside them the ticks are
 * every 1-2-5 value for narrow spans and powers of ten (plus the two limits) for wide ones.
 * `step` is not meaningful on a log axis and is 0.
 */
export function logTicks(min: number, max: number): Ticks {
  if (!(min > 0 && max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new RangeError(`logTicks: need a finite positive range, got [${min}, ${max}]`);
  }
  if (max < min) [min, max] = [max, min];
  const candidates: number[] = [];
  for (let k = Math.floor(Math.log10(min)) - 1; k <= Math.ceil(Math.log10(max)) + 1; k++) {
    for (const m of [1, 2, 5]) candidates.push(Number((m * 10 ** k).toPrecision(12)));
  }
  const tol = 1e-9;
  let lo = 0;
  while (candidates[lo + 1]! <= min * (1 + tol)) lo++;
  let hi = candidates.length - 1;
  while (candidates[hi - 1]! >= max * (1 - tol)) hi--;
  if (lo === hi) {
    // A single value that is itself a tick: show one step either side.
    lo -= 1;
    hi += 1;
  }
  const lower = candidates[lo]!;
  const upper = candidates[hi]!;
  const inside = candidates.slice(lo, hi + 1);
  if (Math.log10(upper / lower) <= MAX_DECADES_FOR_125 + tol) return { min: lower, max: upper, step: 0, values: inside };
  // Wide span: the limits plus the powers of ten between them (1-2-5 neighbours are ≥ 0.3 decade apart, so labels don't collide).
  const decades = inside.slice(1, -1).filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < tol);
  return { min: lower, max: upper, step: 0, values: [lower, ...decades, upper] };
}

/**
 * A short label for a number: plain decimals from 1e-4 up to 1e6 (at most 6 significant digits,
 * no float noise: 0.30000000000000004 → "0.3"), otherwise exponent form ("1E-5", "2.5E+7").
 */
export function formatNumber(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1e-4 && abs < 1e6) return String(Number(v.toPrecision(6)));
  const [mantissa, exponent] = v.toExponential(5).split('e') as [string, string];
  return `${Number(mantissa)}E${exponent}`;
}
