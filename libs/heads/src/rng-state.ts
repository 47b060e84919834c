import * as tf from '@tensorflow/tfjs-core';
import type { Rng, StateDict } from '@kestrel/runtime';

/**
 * Bit-exact tensor form of an {@link Rng}'s position, for a module's extra state (so a training
 * run resumes with the same sampling draws):
 *
 * - `<name>.words`: int32 [4], the four xoshiro128** words (uint32 reinterpreted as int32);
 * - `<name>.spare_normal`: int32 [3], [present (0 / 1), low word, high word] of the float64 bits
 *   (little-endian halves) of the Box–Muller value `normal()` would return next.
 *
 * Only the position is stored: the seed and fork path stay the stream's own, so a state can be
 * loaded into a model built with another seed (it then continues the saved stream's draws).
 */
export function rngStateTensors(rng: Rng, name: string): StateDict {
  const state = rng.state();
  const words = Int32Array.from(state.words, (w) => w | 0);
  const spare = new Int32Array(3);
  if (state.spareNormal !== null) {
    const bits = new Int32Array(new Float64Array([state.spareNormal]).buffer);
    spare.set([1, bits[0]!, bits[1]!]);
  }
  return {
    [`${name}.words`]: tf.tensor1d(words, 'int32'),
    [`${name}.spare_normal`]: tf.tensor1d(spare, 'int32'),
  };
}

/**
 * Restores what {@link rngStateTensors} saved under `name` into `rng` (in place). Returns false,
 * changing nothing, when `state` has neither key (a checkpoint from before the RNG was saved);
 * throws on a partial or malformed entry.
 */
export function loadRngStateTensors(rng: Rng, state: StateDict, name: string, owner: string): boolean {
  const wordsTensor = state[`${name}.words`];
  const spareTensor = state[`${name}.spare_normal`];
  if (wordsTensor === undefined && spareTensor === undefined) return false;
  const check = (tensor: tf.Tensor | undefined, key: string, size: number): Int32Array => {
    if (tensor === undefined) throw new Error(`${owner}: extra state "${name}.${key}" missing`);
    if (tensor.dtype !== 'int32' || tensor.rank !== 1 || tensor.size !== size) {
      throw new Error(`${owner}: extra state "${name}.${key}" must be int32 [${size}], got ${tensor.dtype} [${tensor.shape.join(', ')}]`);
    }
    return tensor.dataSync() as Int32Array;
  };
  const words = check(wordsTensor, 'words', 4);
  const spare = check(spareTensor, 'spare_normal', 3);
  if (spare[0] !== 0 && spare[0] !== 1) throw new Error(`${owner}: extra state "${name}.spare_normal" flag must be 0 or 1, got ${spare[0]}`);
  let spareNormal: number | null = null;
  if (spare[0] === 1) {
    spareNormal = new Float64Array(Int32Array.from([spare[1]!, spare[2]!]).buffer)[0]!;
    if (!Number.isFinite(spareNormal)) throw new Error(`${owner}: extra state "${name}.spare_normal" is not a finite number`);
  }
  const unsigned = Array.from(words, (w) => w >>> 0) as [number, number, number, number];
  if (unsigned.every((w) => w === 0)) throw new Error(`${owner}: extra state "${name}.words" is all zero (not a xoshiro128** state)`);
  rng.setState({ ...rng.state(), words: unsigned, spareNormal });
  return true;
}

/** Throws on extra-state keys other than the sampler RNG's. */
export function checkExtraKeys(state: StateDict, owner: string, name = 'sampler_rng'): void {
  const unknown = Object.keys(state).filter((key) => key !== `${name}.words` && key !== `${name}.spare_normal`);
  if (unknown.length > 0) throw new Error(`${owner}: unexpected extra state ${unknown.join(', ')}`);
}
