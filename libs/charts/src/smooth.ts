/** Moving-average smoothing for noisy curves (per-iteration losses). */

/**
 * Centred moving average over `window` neighbouring values (the window shrinks at the ends, so
 * the curve neither lags nor loses its first and last points). Non-finite values are left out of
 * every average and stay non-finite themselves, so a gap in the data stays a gap. `window` ≤ 1
 * returns a copy.
 */
export function movingAverage(values: readonly number[], window: number): number[] {
  const w = Math.floor(window);
  if (!(w > 1)) return [...values];
  const before = Math.floor((w - 1) / 2);
  const after = w - 1 - before;
  // Prefix sums of the finite values and of their count make each window O(1).
  const sum = new Float64Array(values.length + 1);
  const count = new Uint32Array(values.length + 1);
  values.forEach((v, i) => {
    const finite = Number.isFinite(v);
    sum[i + 1] = sum[i]! + (finite ? v : 0);
    count[i + 1] = count[i]! + (finite ? 1 : 0);
  });
  return values.map((v, i) => {
    if (!Number.isFinite(v)) return v;
    const a = Math.max(0, i - before);
    const b = Math.min(values.length, i + after + 1);
    return (sum[b]! - sum[a]!) / (count[b]! - count[a]!);
  });
}
