/**
 * The few numpy routines whose exact float64 arithmetic pycocotools' numbers depend on.
 * Reproducing them bit for bit is what makes Kestrel's metrics equal pycocotools' with `===`.
 */

/**
 * numpy.linspace(start, stop, num) with endpoint=True: `i * step + start`, last value = stop.
 * (Not `start + i * (stop - start) / (num - 1)`, which differs in the last bit for some i.)
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  if (!Number.isInteger(num) || num < 0) throw new RangeError(`linspace: num must be a non-negative integer, got ${num}`);
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    for (let i = 0; i < num; i++) {
      // numpy falls back to (i / div) * delta when step underflows to 0.
      out[i] = (step === 0 ? (i / div) * delta : i * step) + start;
    }
    out[num - 1] = stop;
  } else if (num === 1) {
    out[0] = 0 * delta + start;
  }
  return out;
}

/**
 * numpy's pairwise summation (`np.add.reduce` on a contiguous float64 array): blocks below 8 are
 * summed in order from 0.0, blocks up to 128 use eight interleaved accumulators, larger blocks are
 * split at half the length rounded down to a multiple of 8.
 */
export function pairwiseSum(values: ArrayLike<number>, start = 0, count = values.length - start): number {
  if (count < 8) {
    let res = 0;
    for (let i = 0; i < count; i++) res += values[start + i]!;
    return res;
  }
  if (count <= 128) {
    let r0 = values[start]!;
    let r1 = values[start + 1]!;
    let r2 = values[start + 2]!;
    let r3 = values[start + 3]!;
    let r4 = values[start + 4]!;
    let r5 = values[start + 5]!;
    let r6 = values[start + 6]!;
    let r7 = values[start + 7]!;
    const blockEnd = count - (count % 8);
    let i = 8;
    for (; i < blockEnd; i += 8) {
      const p = start + i;
      r0 += values[p]!;
      r1 += values[p + 1]!;
      r2 += values[p + 2]!;
      r3 += values[p + 3]!;
      r4 += values[p + 4]!;
      r5 += values[p + 5]!;
      r6 += values[p + 6]!;
      r7 += values[p + 7]!;
    }
    // Same association as numpy: ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)).
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < count; i++) res += values[start + i]!;
    return res;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, count - half);
}

/**
 * numpy's reduction buffer size. numpy 1.x (pycocotools' reference ran numpy 1.24) feeds
 * `np.add.reduce` to the pairwise kernel in chunks of this many elements and adds the chunk sums
 * left to right, so for more than 8192 values the chunking shows in the last bits.
 */
export const NUMPY_BUFSIZE = 8192;

/** `np.sum` of a contiguous 1-D float64 array as numpy 1.24 computes it. */
export function npSum(values: ArrayLike<number>, count = values.length): number {
  let sum = 0;
  for (let start = 0; start < count; start += NUMPY_BUFSIZE) {
    sum += pairwiseSum(values, start, Math.min(NUMPY_BUFSIZE, count - start));
  }
  return sum;
}

/** `np.mean` of a 1-D float64 array: npSum divided by the length (NaN when empty, as numpy). */
export function npMean(values: ArrayLike<number>): number {
  return npSum(values) / values.length;
}

/**
 * The mean pycocotools' summarize() takes: `np.mean(s[s > -1])` over values given in C order,
 * or -1 when no value is above -1.
 */
export function meanAboveMinusOne(values: ArrayLike<number>): number {
  const kept = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > -1) kept[n++] = v;
  }
  return n === 0 ? -1 : npSum(kept, n) / n;
}
