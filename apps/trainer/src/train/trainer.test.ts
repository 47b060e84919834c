import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CocoLoader, type Batch } from '@kestrel/coco-data';
import { buildDetector } from '@kestrel/detectors';
import { createLogger } from '@kestrel/logging';
import { initBackend, Rng } from '@kestrel/runtime';
import { loadTrainConfig, type LoadedTrainConfig } from '../config/load-config';
import { prepareData } from './datasets';
import { pixelNormalization } from './evaluate';
import { createOptimizer, NonFiniteLossError, train, trainStep } from './trainer';

const ROOT = resolve(__dirname, '../../../..');
const logger = createLogger('trainer-test');
let work: string;

function tinyConfig(overrides: Record<string, unknown> = {}, out = 'run'): LoadedTrainConfig {
  return loadTrainConfig({
    config: join(ROOT, 'apps/trainer/fixtures/tiny_shapes.json'),
    out: join(work, out),
    overrides: Object.entries({ 'data.cacheDir': join(work, 'cache'), ...overrides }).map(([path, value]) => ({ path, value, flag: `--${path}` })),
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  work = mkdtempSync(join(tmpdir(), 'kestrel-trainer-unit-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('createOptimizer', () => {
  it('puts every trainable parameter in SGD, with weightDecayNorm on norm parameters only', () => {
    const { config } = tinyConfig({ 'solver.weightDecayNorm': 0 });
    const model = buildDetector(config.model, { rng: new Rng(0) });
    const sgd = createOptimizer(model, config);
    expect(sgd.parameters.length).toBe(model.trainableParameters().length);
    const decay = (name: string) => sgd.parameters.find((p) => p.name === name)!.weightDecay;
    const names = sgd.parameters.map((p) => p.name);
    const normWeight = names.find((n) => /backbone\..*norm.*\.(weight|gamma)$/.test(n))!;
    const convWeight = names.find((n) => /backbone\..*conv1\.weight$/.test(n))!;
    expect(normWeight).toBeDefined();
    expect(decay(normWeight)).toBe(0);
    expect(decay(convWeight)).toBeUndefined(); // the optimizer's 1e-4
    expect(sgd.options.weightDecay).toBe(1e-4);
    expect(sgd.options.momentum).toBe(0.9);
    model.dispose();
  });
});

describe('trainStep', () => {
  it('returns detectron2-named losses and keeps the tensor count flat across steps', async () => {
    const { config } = tinyConfig();
    const data = await prepareData(config.data, config.model.numClasses, logger);
    const loader = new CocoLoader(data.trainRecords, {
      imagesRoot: data.train.images,
      batchSize: 2,
      prefetch: 0,
      augmentation: config.model.input.train,
      normalization: pixelNormalization(config.model.input.normalization),
    });
    const model = buildDetector(config.model, { rng: new Rng(0) });
    const sgd = createOptimizer(model, config);
    const variables = sgd.parameters.map((p) => p.variable);
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const batch = (await loader.next()) as Batch;
      const losses = trainStep(model, sgd, variables, batch, 0.01, config);
      batch.dispose();
      expect(Object.keys(losses).sort()).toEqual(['loss_box_reg', 'loss_cls', 'loss_rpn_cls', 'loss_rpn_loc', 'total_loss']);
      expect(losses.total_loss).toBeCloseTo(losses.loss_box_reg + losses.loss_cls + losses.loss_rpn_cls + losses.loss_rpn_loc, 5);
      counts.push(tf.memory().numTensors);
    }
    // Step 1 creates the momentum buffers and the CBN history grows to its window; then nothing.
    expect(counts[3]).toBe(counts[2]);
    await loader.close();
    sgd.dispose();
    model.dispose();
  });
});

describe('train', () => {
  it('stops on a non-finite loss, naming the iteration and the last good checkpoint', async () => {
    const loaded = tinyConfig({ 'solver.baseLr': 1e30, 'solver.warmupIters': 0, 'train.checkpointPeriod': 1, 'train.evalPeriod': 0 }, 'nan');
    const error = await train({ loaded, logger }).catch((e: unknown) => e);
    if (!(error instanceof NonFiniteLossError)) throw error;
    const message = (error as Error).message;
    expect(message).toMatch(/^iteration \d+: non-finite loss \(total_loss (NaN|Infinity)/);
    const last = /The last good checkpoint is (\S+)\./.exec(message)?.[1];
    expect(last).toBeDefined();
    expect(existsSync(last!)).toBe(true);
    expect(existsSync(join(work, 'nan/checkpoints/model_final.safetensors'))).toBe(false);
  });
});
