/**
 * Seedable, forkable pseudo-random generator (xoshiro128**).
 *
 * All numbers are produced in plain JavaScript (32-bit integer arithmetic plus V8's portable
 * fdlibm `Math.log/cos/sin` for normals), so the same seed gives bit-identical values whatever TF.js
 * backend the values are later uploaded to.
 */

/** JSON-serialisable snapshot of an {@link Rng}; restore it with {@link Rng.fromState}. */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  /** The root seed this stream descends from. */
  readonly seed: number;
  /** Names passed to `fork()` on the way from the root stream to this one. */
  readonly path: readonly string[];
  /** The four 32-bit words of generator state (unsigned). */
  readonly words: readonly [number, number, number, number];
  /** Second Box–Muller value not yet returned by `normal()`, or null. */
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** MurmurHash3-style 32-bit hash of a word sequence; `salt` gives independent hash functions. */
function hashWords(words: readonly number[], salt: number): number {
  let h = salt >>> 0;
  for (const word of words) {
    let k = Math.imul(word, 0xcc9e2d51);
    k = rotl(k, 15);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= words.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Initial generator words for (seed, path): a stream depends only on its seed and fork names. */
function deriveWords(seed: number, path: readonly string[]): [number, number, number, number] {
  const input: number[] = [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0, path.length];
  for (const name of path) {
    input.push(name.length);
    for (let i = 0; i < name.length; i++) input.push(name.charCodeAt(i));
  }
  const words: [number, number, number, number] = [
    hashWords(input, 0x9e3779b9),
    hashWords(input, 0x7f4a7c15),
    hashWords(input, 0xf39cc060),
    hashWords(input, 0x5ced6d7b),
  ];
  // xoshiro must never start from the all-zero state.
  if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
  return words;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Rng seed must be a non-negative safe integer, got ${seed}`);
  }
}

export class Rng {
  readonly seed: number;
  readonly path: readonly string[];
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /**
   * @param seed non-negative integer up to 2^53 - 1.
   * @param path fork names from the root stream; normally left empty and built with `fork()`.
   */
  constructor(seed: number, path: readonly string[] = []) {
    checkSeed(seed);
    this.seed = seed;
    this.path = Object.freeze([...path]);
    [this.s0, this.s1, this.s2, this.s3] = deriveWords(seed, this.path);
  }

  /** Rebuilds a generator exactly where `state()` left it. */
  static fromState(state: RngState): Rng {
    if (state.algorithm !== 'xoshiro128**') {
      throw new Error(`Rng.fromState: unknown algorithm ${JSON.stringify(state.algorithm)}`);
    }
    const words = state.words;
    if (
      !Array.isArray(words) ||
      words.length !== 4 ||
      words.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)
    ) {
      throw new Error(`Rng.fromState: words must be four unsigned 32-bit integers, got ${JSON.stringify(words)}`);
    }
    const rng = new Rng(state.seed, state.path);
    rng.setWords(words);
    rng.spareNormal = state.spareNormal;
    return rng;
  }

  /**
   * An independent stream named `name`. It depends only on this stream's seed and path plus
   * `name`, not on how many numbers this stream has drawn, so adding draws in one module never
   * shifts another module's values. Forking the same name twice gives the same stream.
   */
  fork(name: string): Rng {
    return new Rng(this.seed, [...this.path, name]);
  }

  /** Snapshot of the full generator state (plain JSON). */
  state(): RngState {
    return {
      algorithm: 'xoshiro128**',
      seed: this.seed,
      path: [...this.path],
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spareNormal,
    };
  }

  /** Restores a snapshot taken from this stream (or any stream) in place. */
  setState(state: RngState): void {
    const restored = Rng.fromState(state);
    if (restored.seed !== this.seed || restored.path.join('\u0000') !== this.path.join('\u0000')) {
      throw new Error(
        `Rng.setState: state belongs to seed ${restored.seed} path [${restored.path.join(', ')}], ` +
          `this stream is seed ${this.seed} path [${this.path.join(', ')}]; use Rng.fromState instead`,
      );
    }
    this.setWords(restored.state().words);
    this.spareNormal = restored.spareNormal;
  }

  /** Next raw output, an unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 2 ** 26 + low) / TWO_POW_53;
  }

  /** Uniform double in [low, high]; `high` is reachable only through rounding, as in PyTorch. */
  uniform(low = 0, high = 1): number {
    if (!(high >= low)) throw new RangeError(`uniform: need low <= high, got [${low}, ${high}]`);
    return Math.min(low + (high - low) * this.random(), high);
  }

  /** Normal sample (Box–Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (!(std >= 0)) throw new RangeError(`normal: std must be >= 0, got ${std}`);
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    const u1 = 1 - this.random(); // (0, 1]: log stays finite
    const u2 = this.random();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spareNormal = radius * Math.sin(angle);
    return mean + std * radius * Math.cos(angle);
  }

  /** Uniform integer in [low, high) without modulo bias; the range may span at most 2^32. */
  integer(low: number, high: number): number {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high <= low) {
      throw new RangeError(`integer: need integers low < high, got [${low}, ${high})`);
    }
    const range = high - low;
    if (range > TWO_POW_32) throw new RangeError(`integer: range ${range} exceeds 2^32`);
    // Reject the top partial block of the 2^32 outputs so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return low + (x % range);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.integer(0, i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** Fills `out` with float32-rounded uniform values in [fround(low), fround(high)]. */
  fillUniform(out: Float32Array, low = 0, high = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(low, high);
    return out;
  }

  /** Fills `out` with float32-rounded normal values. */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  private setWords(words: readonly number[]): void {
    [this.s0, this.s1, this.s2, this.s3] = words.map((w) => w | 0) as [number, number, number, number];
  }
}
