import * as tf from '@tensorflow/tfjs-core';
import { initBackend, Rng } from '@kestrel/runtime';
import { normTypes, type NormSpec } from '@kestrel/norm';
import { FasterRCNN, MaskRCNN, type DetectorLosses } from './generalized-rcnn';
import { buildDetector } from './build';
import type { Detections } from './postprocess';
import { syntheticBatch, tinyConfig } from './testing/tiny';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
});

/** One SGD step; returns the loss values by name. */
function sgdStep(model: FasterRCNN | MaskRCNN, batch: ReturnType<typeof syntheticBatch>, lr: number): Record<string, number> {
  const params = model.trainableParameters();
  const values: Record<string, number> = {};
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const losses = model.losses(batch) as Record<string, tf.Scalar>;
      for (const [name, l] of Object.entries(losses)) values[name] = l.dataSync()[0]!;
      return tf.addN(Object.values(losses)) as tf.Scalar;
    }, params);
    for (const p of params) if (grads[p.name]) p.assign(tf.sub(p, tf.mul(grads[p.name]!, lr)));
  });
  return values;
}

// Norm specs that fit 8–16-channel tiny models (GN's default 32 groups does not).
const NORMS: NormSpec[] = normTypes().map(({ type }) => (type === 'gn' ? { type: 'gn', groups: 2 } : type));

describe.each(['faster_rcnn', 'mask_rcnn'] as const)('%s', (architecture) => {
  const names = ['loss_rpn_cls', 'loss_rpn_loc', 'loss_cls', 'loss_box_reg', ...(architecture === 'mask_rcnn' ? ['loss_mask'] : [])];

  it.each(NORMS.map((n) => [typeof n === 'string' ? n : n.type, n] as const))('runs with norm %s in backbone, FPN and heads: finite named losses, gradients, inference', (_name, norm) => {
    // Mask R-CNN runs without P2 (the CPU layout), Faster R-CNN with P2–P6.
    const model = buildDetector(tinyConfig(architecture, norm, { p2: architecture === 'faster_rcnn' }), { rng: new Rng(1) });
    expect(model).toBeInstanceOf(architecture === 'mask_rcnn' ? MaskRCNN : FasterRCNN);
    const batch = syntheticBatch(2);
    const values: Record<string, number> = {};
    const { value, grads } = tf.variableGrads(() => {
      const losses = model.forward(batch) as Record<string, tf.Scalar>;
      for (const [name, l] of Object.entries(losses)) values[name] = l.dataSync()[0]!;
      return tf.addN(Object.values(losses)) as tf.Scalar;
    }, model.trainableParameters());
    expect(Object.keys(values).sort()).toEqual([...names].sort());
    for (const v of Object.values(values)) expect(Number.isFinite(v)).toBe(true);
    // Every trainable parameter gets a gradient (frozen-bn has none to train).
    expect(Object.keys(grads).length).toBe(model.trainableParameters().length);
    tf.dispose([value, ...Object.values(grads)]);
    model.eval();
    const out = model.forward({ ...batch, originalSizes: [[128, 96], [64, 64]] }) as Detections[];
    expect(out).toHaveLength(2);
    expect(out[0]!.imageSize).toEqual([128, 96]);
    tf.dispose(batch.images);
    model.dispose();
  });

  it('a few SGD steps on a tiny synthetic batch reduce the loss, with a flat tensor count', () => {
    const model = buildDetector(tinyConfig(architecture, { type: 'cbn', window: 2 }), { rng: new Rng(2) });
    const batch = syntheticBatch(2);
    const totals: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 6; step++) {
      totals.push(Object.values(sgdStep(model, batch, 0.05)).reduce((a, b) => a + b, 0));
      counts.push(tf.memory().numTensors);
    }
    // CBN with window 2 holds its one history entry per layer from the first step on.
    expect(new Set(counts.slice(1)).size).toBe(1);
    const first = (totals[0]! + totals[1]!) / 2;
    const last = (totals[4]! + totals[5]!) / 2;
    expect(last).toBeLessThan(0.9 * first);
    tf.dispose(batch.images);
    model.dispose();
  });
});

describe('inference output', () => {
  it('returns per image boxes, scores, labels (and masks) in original image coordinates', () => {
    const model = buildDetector(tinyConfig('mask_rcnn'), { rng: new Rng(3) });
    model.eval();
    // Make every RoI a confident class-1 detection, so the output is not empty.
    tf.tidy(() => model.roiHeads.boxPredictor.clsScore.bias.assign(tf.tensor1d([0, 8, 0, 0])));
    const batch = syntheticBatch(2);
    const before = tf.memory().numTensors;
    const original: [number, number][] = [[128, 96], [32, 32]];
    const out = model.forward({ images: batch.images, imageSizes: batch.imageSizes, originalSizes: original }) as Detections[];
    expect(tf.memory().numTensors).toBe(before);
    out.forEach((d, i) => {
      const [h, w] = original[i]!;
      const count = d.scores.length;
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThanOrEqual(100);
      expect(d.boxes.length).toBe(4 * count);
      expect(d.labels.every((l) => l === 1)).toBe(true);
      for (let k = 1; k < count; k++) expect(d.scores[k]!).toBeLessThanOrEqual(d.scores[k - 1]!);
      for (let k = 0; k < count; k++) {
        const [x1, y1, x2, y2] = d.boxes.subarray(4 * k, 4 * k + 4);
        expect(0 <= x1! && x1! < x2! && x2! <= w && 0 <= y1! && y1! < y2! && y2! <= h).toBe(true);
      }
      expect(d.masks).toHaveLength(count);
      for (const m of d.masks!) expect(m.length).toBe(h * w);
    });
    tf.dispose(batch.images);
    model.dispose();
  });

  it('rejects a config whose architecture does not match the class', () => {
    expect(() => new FasterRCNN(tinyConfig('mask_rcnn'))).toThrow(/use MaskRCNN/);
    expect(() => new MaskRCNN(tinyConfig('faster_rcnn'))).toThrow(/no mask head/);
  });
});

export type { DetectorLosses };
