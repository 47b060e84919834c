import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { disposeStateDict, initBackend, loadCheckpoint, Rng, saveCheckpoint, type StateDict } from '@kestrel/runtime';
import { buildDetector } from './build';
import type { GeneralizedRCNN } from './generalized-rcnn';
import { syntheticBatch, tinyConfig } from './testing/tiny';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
});

type Batch = ReturnType<typeof syntheticBatch>;

/** One plain SGD step (no optimiser state, so the module state dict is the whole training state). */
function sgdStep(model: GeneralizedRCNN, batch: Batch, lr = 0.05): number[] {
  const params = model.trainableParameters();
  const values: number[] = [];
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const losses = model.losses(batch) as Record<string, tf.Scalar>;
      for (const name of Object.keys(losses).sort()) values.push(losses[name]!.dataSync()[0]!);
      return tf.addN(Object.values(losses)) as tf.Scalar;
    }, params);
    for (const p of params) if (grads[p.name]) p.assign(tf.sub(p, tf.mul(grads[p.name]!, lr)));
  });
  return values;
}

const steps = (model: GeneralizedRCNN, batch: Batch, n: number) => Array.from({ length: n }, () => sgdStep(model, batch));

// Mask R-CNN with CBN everywhere (history in the state dict too) and at most 4 mask positives per
// image, so the RPN's anchor sampling, the RoI sampling and the mask subsampling all draw.
const config = () => tinyConfig('mask_rcnn', { type: 'cbn', window: 2 }, { p2: false });

describe('resuming training from a state dict', () => {
  let batch: Batch;
  let model: GeneralizedRCNN;
  let saved: StateDict;
  let expected: number[][];

  beforeAll(() => {
    batch = syntheticBatch(2);
    model = buildDetector(config(), { rng: new Rng(11) });
    sgdStep(model, batch);
    saved = model.stateDict();
    expected = steps(model, batch, 2);
  });

  afterAll(() => {
    disposeStateDict(saved);
    model.dispose();
    tf.dispose(batch.images);
  });

  it('saves the sampler streams of the RPN and the RoI heads', () => {
    const keys = Object.keys(saved).filter((k) => k.includes('sampler_rng'));
    expect(keys.sort()).toEqual([
      'proposal_generator._extra_state.sampler_rng.spare_normal',
      'proposal_generator._extra_state.sampler_rng.words',
      'roi_heads._extra_state.sampler_rng.spare_normal',
      'roi_heads._extra_state.sampler_rng.words',
    ]);
    for (const k of keys) expect(saved[k]!.dtype).toBe('int32');
  });

  it('a model built with another seed continues with bit-identical losses', () => {
    const fresh = buildDetector(config(), { rng: new Rng(12345) });
    fresh.loadStateDict(saved);
    expect(steps(fresh, batch, 2)).toEqual(expected);
    fresh.dispose();
  });

  it('the same model, rewound, repeats its losses bit-identically', () => {
    model.loadStateDict(saved);
    expect(steps(model, batch, 2)).toEqual(expected);
  });

  it('without the sampler state the draws (and losses) differ', () => {
    const fresh = buildDetector(config(), { rng: new Rng(12345) });
    const withoutRng = Object.fromEntries(Object.entries(saved).filter(([k]) => !k.includes('sampler_rng')));
    fresh.loadStateDict(withoutRng); // an older checkpoint: the streams stay the fresh model's
    expect(steps(fresh, batch, 2)).not.toEqual(expected);
    fresh.dispose();
  });

  it('round-trips through saveCheckpoint / loadCheckpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kestrel-resume-'));
    try {
      const file = join(dir, 'model.safetensors');
      await saveCheckpoint(file, { tensors: saved, metadata: { step: 1 } });
      const loaded = await loadCheckpoint(file);
      for (const [key, tensor] of Object.entries(saved)) {
        expect(loaded.tensors[key]!.dtype).toBe(tensor.dtype);
        if (key.includes('sampler_rng')) expect(Array.from(loaded.tensors[key]!.dataSync())).toEqual(Array.from(tensor.dataSync()));
      }
      const fresh = buildDetector(config(), { rng: new Rng(777) });
      fresh.loadStateDict(loaded.tensors);
      disposeStateDict(loaded.tensors);
      expect(steps(fresh, batch, 2)).toEqual(expected);
      fresh.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
