// Overfits a small Faster / Mask R-CNN to two images of the built-in shapes dataset and checks
// that the losses fall by more than 10× and that predictions recover the ground truth.
// Run: TSX_TSCONFIG_PATH=tsconfig.base.json npx tsx libs/detectors/src/examples/overfit-shapes.ts [faster|mask] [steps]
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, Rng } from '@kestrel/runtime';
import { pairwiseIoUArray } from '@kestrel/ops';
import { buildImageRecords, CocoLoader, ensureShapesDataset, instanceMaskToBitmap, loadCocoInstances, type Batch } from '@kestrel/coco-data';
import { buildDetector } from '../build';
import { loadModelConfig, resolveModelConfig } from '../config/load';
import type { Detections } from '../postprocess';

export interface OverfitOptions {
  architecture: 'faster_rcnn' | 'mask_rcnn';
  /** Training steps (SGD with momentum 0.9 on the same batch). Default 300. */
  steps?: number;
  /** Where the shapes dataset is cached. Default .cache/kestrel. */
  cacheDir?: string;
  log?: (line: string) => void;
  /** Model config sections merged over the CPU config's (e.g. `{ maskHead: { norm: 'gn' } }`). */
  overrides?: Record<string, Record<string, unknown>>;
}

export interface OverfitResult {
  /** Mean total loss of the first and last 10 steps. */
  firstLoss: number;
  lastLoss: number;
  /** Per GT instance: best IoU of a same-class detection with score > 0.5 (box, and mask). */
  boxIoUs: number[];
  maskIoUs: number[];
}

/** The CPU config of the architecture (P3–P6), at the dataset's 128² images. */
function overfitConfig(architecture: OverfitOptions['architecture'], overrides: OverfitOptions['overrides'] = {}) {
  const base = loadModelConfig(join(__dirname, '../../../../configs/models', `${architecture}_R18_FPN_cpu.json`)) as unknown as Record<string, Record<string, unknown>>;
  const merged: Record<string, unknown> = { ...base };
  for (const [section, values] of Object.entries(overrides)) merged[section] = { ...(base[section] ?? {}), ...values };
  const input = base['input']!;
  return resolveModelConfig({
    ...merged,
    input: { ...input, train: { shortEdge: [128], maxSize: 128, flipProbability: 0 }, test: { shortEdge: 128, maxSize: 128 } },
  });
}

export async function overfitShapes(options: OverfitOptions): Promise<OverfitResult> {
  const log = options.log ?? console.log;
  const steps = options.steps ?? 300;
  const shapes = await ensureShapesDataset(options.cacheDir ?? '.cache/kestrel', { seed: 0, trainImages: 2, valImages: 1, imageSize: 128, minObjects: 2, maxObjects: 4, crowdProbability: 0 });
  const coco = await loadCocoInstances(shapes.train.annotations);
  const config = overfitConfig(options.architecture, options.overrides);
  const loader = new CocoLoader(buildImageRecords(coco), {
    imagesRoot: shapes.train.images,
    mode: 'test',
    batchSize: 2,
    prefetch: 0,
    augmentation: { shortEdge: 128, maxSize: 128, flipProbability: 0 },
  });
  const batch = (await loader.next()) as Batch;
  const model = buildDetector(config, { rng: new Rng(0) });
  const params = model.trainableParameters();
  const optimizer = tf.train.momentum(0.02, 0.9);
  const totals: number[] = [];
  for (let step = 0; step < steps; step++) {
    // Linear warm-up over the first 50 steps (detectron2 warms up too; from scratch it matters).
    (optimizer as unknown as { learningRate: number }).learningRate = 0.02 * Math.min(1, (step + 1) / 50);
    const values: Record<string, number> = {};
    tf.tidy(() => {
      optimizer.minimize(() => {
        const losses = model.losses(batch) as Record<string, tf.Scalar>;
        for (const [name, l] of Object.entries(losses)) values[name] = l.dataSync()[0]!;
        return tf.addN(Object.values(losses)) as tf.Scalar;
      }, false, params);
    });
    totals.push(Object.values(values).reduce((a, b) => a + b, 0));
    if (step % 25 === 0 || step === steps - 1) {
      log(`step ${step}: total ${totals[step]!.toFixed(4)} ${Object.entries(values).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')} (${tf.memory().numTensors} tensors)`);
    }
  }
  model.eval();
  const detections = model.forward(batch) as Detections[];
  const boxIoUs: number[] = [];
  const maskIoUs: number[] = [];
  detections.forEach((d, n) => {
    const target = batch.targets[n]!;
    const [h, w] = batch.imageSizes[n]!;
    const ious = pairwiseIoUArray(target.boxes, d.boxes);
    for (let g = 0; g < target.labels.length; g++) {
      let best = -1;
      for (let k = 0; k < d.scores.length; k++) {
        if (d.labels[k] !== target.labels[g] || d.scores[k]! <= 0.5) continue;
        if (best < 0 || ious[g * d.scores.length + k]! > ious[g * d.scores.length + best]!) best = k;
      }
      boxIoUs.push(best < 0 ? 0 : ious[g * d.scores.length + best]!);
      if (d.masks && target.masks[g]) {
        const gt = instanceMaskToBitmap(target.masks[g]!, h, w).data;
        const pred = best < 0 ? new Uint8Array(h * w) : d.masks[best]!;
        let inter = 0;
        let union = 0;
        for (let i = 0; i < h * w; i++) {
          inter += gt[i]! & pred[i]!;
          union += gt[i]! | pred[i]!;
        }
        maskIoUs.push(union === 0 ? 0 : inter / union);
      }
    }
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const result = { firstLoss: mean(totals.slice(0, 10)), lastLoss: mean(totals.slice(-10)), boxIoUs, maskIoUs };
  log(`loss ${result.firstLoss.toFixed(4)} → ${result.lastLoss.toFixed(4)} (×${(result.firstLoss / result.lastLoss).toFixed(1)}); box IoUs ${boxIoUs.map((x) => x.toFixed(2)).join(' ')}; mask IoUs ${maskIoUs.map((x) => x.toFixed(2)).join(' ')}`);
  optimizer.dispose();
  model.dispose();
  batch.dispose();
  return result;
}

if (require.main === module) {
  (async () => {
    await initBackend({ backend: 'wasm' });
    const which = process.argv[2] === 'mask' ? 'mask_rcnn' : 'faster_rcnn';
    const overrides = process.env.KESTREL_OVERFIT_OVERRIDES ? (JSON.parse(process.env.KESTREL_OVERFIT_OVERRIDES) as OverfitOptions['overrides']) : undefined;
    await overfitShapes({ architecture: which, steps: Number(process.argv[3] ?? 300), overrides });
  })().catch((err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  });
}
