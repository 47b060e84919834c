import * as tf from '@tensorflow/tfjs-core';
import { disposeStateDict, initBackend, Rng } from '@kestrel/runtime';
import { loadRngStateTensors, rngStateTensors } from './rng-state';
import { RPN } from './rpn/rpn';
import { StandardROIHeads } from './roi-heads/roi-heads';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
});

const draws = (rng: Rng) => [rng.nextUint32(), rng.normal(), rng.random(), rng.integer(0, 1000)];

describe('sampler RNG state tensors', () => {
  it('round-trip the words bit-exactly (high bit set) and the spare normal exactly, into another seed', () => {
    const rng = new Rng(7).fork('sampler');
    for (let i = 0; i < 13; i++) rng.nextUint32();
    rng.normal(); // leaves a spare normal
    expect(rng.state().spareNormal).not.toBeNull();
    expect(rng.state().words.some((w) => w >= 2 ** 31)).toBe(true);
    const saved = rngStateTensors(rng, 'sampler_rng');
    expect(Object.keys(saved).sort()).toEqual(['sampler_rng.spare_normal', 'sampler_rng.words']);
    expect(saved['sampler_rng.words']!.dtype).toBe('int32');
    expect(saved['sampler_rng.spare_normal']!.dataSync()[0]).toBe(1);
    const other = new Rng(99).fork('sampler');
    expect(loadRngStateTensors(other, saved, 'sampler_rng', 'test')).toBe(true);
    expect(other.state().words).toEqual(rng.state().words);
    expect(Object.is(other.state().spareNormal, rng.state().spareNormal)).toBe(true);
    expect(other.seed).toBe(99); // the stream keeps its own identity
    expect(draws(other)).toEqual(draws(rng));
    disposeStateDict(saved);
  });

  it('stores "no spare normal" as flag 0 and restores null', () => {
    const rng = new Rng(3);
    rng.normal();
    rng.normal(); // spare consumed
    const saved = rngStateTensors(rng, 'r');
    expect(Array.from(saved['r.spare_normal']!.dataSync())).toEqual([0, 0, 0]);
    const other = new Rng(3);
    other.normal(); // has a spare that the load must clear
    loadRngStateTensors(other, saved, 'r', 'test');
    expect(other.state().spareNormal).toBeNull();
    expect(draws(other)).toEqual(draws(rng));
    disposeStateDict(saved);
  });

  it('ignores an empty state and rejects partial or malformed entries', () => {
    const rng = new Rng(1);
    const before = rng.state();
    expect(loadRngStateTensors(rng, {}, 'r', 'test')).toBe(false);
    expect(rng.state()).toEqual(before);
    const words = tf.tensor1d([1, 2, 3, 4], 'int32');
    expect(() => loadRngStateTensors(rng, { 'r.words': words }, 'r', 'test')).toThrow(/spare_normal" missing/);
    const floats = tf.tensor1d([1, 2, 3, 4], 'float32');
    const spare = tf.tensor1d([0, 0, 0], 'int32');
    expect(() => loadRngStateTensors(rng, { 'r.words': floats, 'r.spare_normal': spare }, 'r', 'test')).toThrow(/int32 \[4\]/);
    const zeros = tf.tensor1d([0, 0, 0, 0], 'int32');
    expect(() => loadRngStateTensors(rng, { 'r.words': zeros, 'r.spare_normal': spare }, 'r', 'test')).toThrow(/all zero/);
    expect(rng.state()).toEqual(before);
    tf.dispose([words, floats, spare, zeros]);
  });
});

describe('RPN and RoI heads save their sampler streams', () => {
  const shapes = { p3: { channels: 8, stride: 8 } };

  it('adds _extra_state.sampler_rng.{words,spare_normal} and loads it into a module built with another seed', () => {
    const rpn = new RPN({ inputShapes: shapes, inFeatures: ['p3'], anchorSizes: [[16]], rng: new Rng(1) });
    const roi = new StandardROIHeads({ numClasses: 2, inputShapes: shapes, inFeatures: ['p3'], boxHead: { numFcs: 1, fcDim: 8 }, rng: new Rng(1) });
    for (const module of [rpn, roi]) {
      const dict = module.stateDict();
      expect(Object.keys(dict).filter((k) => k.includes('_extra_state'))).toEqual(['_extra_state.sampler_rng.words', '_extra_state.sampler_rng.spare_normal']);
      disposeStateDict(dict);
    }
    // Advance the RoI sampler, save, and check that another seed's module continues its draws.
    const sampler = (roi as unknown as { samplerRng: Rng }).samplerRng;
    sampler.permutation(17);
    const dict = roi.stateDict();
    const fresh = new StandardROIHeads({ numClasses: 2, inputShapes: shapes, inFeatures: ['p3'], boxHead: { numFcs: 1, fcDim: 8 }, rng: new Rng(5) });
    fresh.loadStateDict(dict);
    expect(draws((fresh as unknown as { samplerRng: Rng }).samplerRng)).toEqual(draws(sampler));
    // A dict without the extra state (strict: false) keeps the current stream; unknown extra keys are rejected.
    const extraKeys = Object.keys(dict).filter((k) => k.includes('_extra_state'));
    const withoutExtra = Object.fromEntries(Object.entries(dict).filter(([k]) => !extraKeys.includes(k)));
    expect(() => fresh.loadStateDict(withoutExtra)).not.toThrow();
    const bogus = tf.scalar(1, 'int32');
    expect(() => fresh.loadStateDict({ ...dict, '_extra_state.other': bogus })).toThrow(/unexpected extra state other/);
    bogus.dispose();
    disposeStateDict(dict);
    rpn.dispose();
    roi.dispose();
    fresh.dispose();
  });
});
