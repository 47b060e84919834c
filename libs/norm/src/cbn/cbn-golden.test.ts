import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@kestrel/runtime';
import { loadCbnFixture } from '../golden/fixture';
import { replayCbnFixture } from '../golden/replay';

const fixture = loadCbnFixture(join(__dirname, '..', '..', 'fixtures', 'k4_burnin2_3x3_s1.json'));
const TOLERANCE = 1e-4;

describe.each(['cpu', 'wasm'] as const)('CBN golden fixture on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend, threads: 2 });
  });

  it.each(['forward', 'fused'] as const)('matches every step and the final state within 1e-4 relative (%s conv path)', (path) => {
    const before = tf.memory().numTensors;
    const errors = replayCbnFixture(fixture, path);
    expect(Object.keys(errors).sort()).toEqual(
      [
        'final.beta', 'final.eval_output', 'final.filter', 'final.gamma', 'final.running_mean', 'final.running_var',
        'grad_beta', 'grad_filter', 'grad_gamma', 'grad_input', 'loss', 'mean', 'output', 'var',
      ].sort(),
    );
    for (const [quantity, error] of Object.entries(errors)) {
      expect({ quantity, error, ok: error <= TOLERANCE }).toEqual({ quantity, error, ok: true });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
