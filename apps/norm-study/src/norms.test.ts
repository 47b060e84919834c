import { createNorm } from '@kestrel/norm';
import { initBackend } from '@kestrel/runtime';
import { blockNormSpecs, cbnWindowFor, normSpecFor, STUDY_NORMS } from './norms';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('per-cell norm settings', () => {
  it('auto CBN window keeps window·batch >= 16, with at least 2 iterations', () => {
    expect([1, 2, 4, 8, 16].map((b) => cbnWindowFor(b))).toEqual([16, 8, 4, 2, 2]);
    expect(cbnWindowFor(3, { cbnExamples: 8 })).toBe(3);
    expect(cbnWindowFor(1, { cbnWindow: 4 })).toBe(4);
  });

  it('scales CBN burn-in and BRN ramps to the cell’s steps', () => {
    expect(normSpecFor('cbn', 2, 2000, { cbnWindow: 4, cbnBurnin: 0.1 })).toEqual({ type: 'cbn', window: 4, burnin: 200 });
    expect(normSpecFor('cbn-naive', 16, 250, {})).toEqual({ type: 'cbn-naive', window: 2, burnin: 63 });
    expect(normSpecFor('brn', 1, 1000, { brnRmaxRamp: [0.1, 0.5], brnDmaxRamp: [0.1, 0.3] })).toEqual({
      type: 'brn',
      rmaxRamp: [100, 500],
      dmaxRamp: [100, 300],
      momentum: 0.1,
    });
  });

  it('builds every study norm for every block width', () => {
    for (const norm of STUDY_NORMS) {
      for (const channels of [8, 16, 32, 64]) {
        const n = createNorm(normSpecFor(norm, 2, 100), channels);
        expect(n.numChannels).toBe(channels);
        n.dispose();
      }
    }
  });
});

describe('blockNormSpecs', () => {
  it('applies CBN everywhere by default, or only in the last blocks', () => {
    const cbn = { type: 'cbn', window: 8, burnin: 25 };
    expect(blockNormSpecs('cbn', 3, 2, 100)).toEqual([cbn, cbn, cbn]);
    expect(blockNormSpecs('cbn', 4, 2, 100, { cbnBlocks: 1 })).toEqual(['bn', 'bn', 'bn', cbn]);
    expect(blockNormSpecs('gn', 2, 2, 100, { cbnBlocks: 1 })).toEqual([{ type: 'gn', channelsPerGroup: 2 }, { type: 'gn', channelsPerGroup: 2 }]);
  });
});
