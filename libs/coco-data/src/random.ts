/**
 * Small seeded random source (sfc32 seeded through a MurmurHash3-style mix of a key).
 *
 * Streams are addressed by a key — (seed, 'shuffle', epoch), (seed, 'train', imageIndex), … —
 * rather than drawn one after another from a shared stream, so a sample's randomness does not
 * depend on the order in which prefetching happens to compute it, and a resumed run reproduces
 * it exactly. (`@kestrel/runtime` has a forkable xoshiro Rng; this one stays local until that
 * is exported, see the README.)
 */
export type RandomKey = ReadonlyArray<number | string>;

// Module-level aliases: global lookups are slow inside Jest's vm contexts.
const { imul, floor } = Math;
const { isInteger } = Number;

function mix(h: number, k: number): number {
  k = imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (imul(h, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of a key; `salt` selects one of several independent hash functions. */
export function hashKey(key: RandomKey, salt = 0): number {
  let h = salt | 0;
  let length = 0;
  const push = (word: number): void => {
    h = mix(h, word);
    length++;
  };
  for (const part of key) {
    if (typeof part === 'number') {
      if (!Number.isFinite(part)) throw new RangeError(`random key parts must be finite, got ${part}`);
      push(0x6e756d); // type tag: "num"
      push(part >>> 0);
      push(floor(part / 2 ** 32) >>> 0);
    } else {
      push(0x737472); // type tag: "str"
      push(part.length);
      for (let i = 0; i < part.length; i++) push(part.charCodeAt(i));
    }
  }
  return finalize(h ^ length);
}

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream fully determined by `key`, e.g. `new SeededRandom([seed, 'flip', epoch, index])`. */
  constructor(key: RandomKey) {
    this.a = hashKey(key, 0x9e3779b9);
    this.b = hashKey(key, 0x7f4a7c15);
    this.c = hashKey(key, 0xf39cc060);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32(); // let the seed words diffuse
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    return ((this.nextUint32() >>> 5) * 2 ** 26 + (this.nextUint32() >>> 6)) / 2 ** 53;
  }

  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [low, high) (no modulo bias). */
  integer(low: number, high: number): number {
    const range = high - low;
    if (!isInteger(low) || !isInteger(high) || range <= 0 || range > 2 ** 32) {
      throw new RangeError(`integer: need integers low < high with a range up to 2^32, got [${low}, ${high})`);
    }
    const limit = 2 ** 32 - (2 ** 32 % range);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return low + (x % range);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.random() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick: empty list');
    return items[this.integer(0, items.length)] as T;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.integer(0, i + 1);
      const tmp = out[i] as number;
      out[i] = out[j] as number;
      out[j] = tmp;
    }
    return out;
  }
}
