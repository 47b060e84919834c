// `nx run bench:detector [--backend auto] [--configs faster_rcnn_R18_FPN_cpu,mask_rcnn_R18_FPN_cpu]
//   [--batches 1,2] [--iters 3] [--size 256]`
// Train-step time of the small CPU detector configs per component: the full step (forward,
// backward, SGD update) and each component's forward + backward on its own (its inputs held
// fixed, upstream gradients random or, for the heads, their real losses).
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendChoice, Rng } from '@kestrel/runtime';
import { buildDetector, loadModelConfig, type GeneralizedRCNN, type ModelConfig } from '@kestrel/detectors';
import type { FeatureMaps, ImageTargets } from '@kestrel/heads';

const CONFIG_DIR = resolve(__dirname, '../../../configs/models');

interface Batch {
  images: tf.Tensor4D;
  imageSizes: [number, number][];
  targets: ImageTargets[];
}

/** Random rectangles and triangles (polygon masks) on noise: 2–6 objects per image. */
function syntheticBatch(batch: number, size: number, numClasses: number, rng: Rng): Batch {
  const pixels = Float32Array.from({ length: batch * size * size * 3 }, () => rng.uniform(-1, 1));
  const targets: ImageTargets[] = [];
  for (let n = 0; n < batch; n++) {
    const boxes: number[] = [];
    const labels: number[] = [];
    const masks: ImageTargets['masks'] & object = [];
    const count = rng.integer(2, 7);
    for (let i = 0; i < count; i++) {
      const w = rng.uniform(12, size / 2);
      const h = rng.uniform(12, size / 2);
      const x = rng.uniform(0, size - w);
      const y = rng.uniform(0, size - h);
      boxes.push(x, y, x + w, y + h);
      labels.push(rng.integer(0, numClasses));
      const polygon = i % 2 === 0 ? [x, y, x + w, y, x + w, y + h, x, y + h] : [x + w / 2, y, x + w, y + h, x, y + h];
      (masks as unknown[]).push({ kind: 'polygons', polygons: [polygon] });
      for (let py = Math.floor(y); py < y + h; py++) for (let px = Math.floor(x); px < x + w; px++) pixels.fill(0.8 - 0.3 * labels[i]!, ((n * size + py) * size + px) * 3, ((n * size + py) * size + px) * 3 + 3);
    }
    targets.push({ boxes: Float32Array.from(boxes), labels: Int32Array.from(labels), masks, crowdBoxes: new Float32Array(0) });
  }
  return { images: tf.tensor4d(pixels, [batch, size, size, 3]), imageSizes: Array.from({ length: batch }, () => [size, size]), targets };
}

/** Wall and process CPU time in ms (CPU time counts every thread, and is less disturbed by other jobs). */
interface Timing {
  wall: number;
  cpu: number;
}

/** Median timings of `fn` over `iters` runs after `warmup` runs. */
function time(fn: () => void, iters: number, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < iters; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: median(walls), cpu: median(cpus) };
}

/** Forward + backward of `loss` w.r.t. `params` and the (constant) tensors `inputs`. */
function gradStep(params: tf.Variable[], inputs: tf.Tensor[], loss: (inputs: tf.Tensor[]) => tf.Scalar): void {
  tf.tidy(() => {
    const inputVars = inputs.map((x) => tf.variable(x, true));
    try {
      const { value, grads } = tf.variableGrads(() => loss(inputVars), [...params, ...inputVars]);
      value.dataSync();
      Object.values(grads).forEach((g) => g.dataSync());
    } finally {
      inputVars.forEach((v) => v.dispose());
    }
  });
}

/** Σ out·u with a fixed random u per output: a dense upstream gradient of the right shape. */
function probe(outputs: tf.Tensor[]): tf.Scalar {
  return tf.addN(outputs.map((o, i) => tf.sum(tf.mul(o, tf.randomNormal(o.shape, 0, 1, 'float32', i))))) as tf.Scalar;
}

interface Row {
  config: string;
  batch: number;
  step: Timing;
  parts: Record<string, Timing>;
}

function measure(name: string, config: ModelConfig, batchSize: number, iters: number, size: number): Row {
  const model: GeneralizedRCNN = buildDetector(config, { rng: new Rng(1) });
  const batch = syntheticBatch(batchSize, size, config.numClasses, new Rng(2));
  const params = model.trainableParameters();
  const sgd = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.addN(Object.values(model.losses(batch))) as tf.Scalar, params);
      for (const p of params) if (grads[p.name]) p.assign(tf.sub(p, tf.mul(grads[p.name]!, 1e-3)));
      value.dataSync();
    });
  const step = time(sgd, iters, 2);

  const parts: Record<string, Timing> = {};
  const stages = config.fpn.inFeatures;
  parts.backbone = time(() => gradStep(model.backbone.trainableParameters(), [], () => {
    const out = model.backbone.forward(batch.images);
    return probe(stages.map((s) => out[s]!));
  }), iters);
  const backboneOut = tf.tidy(() => model.backbone.forward(batch.images)) as Record<string, tf.Tensor4D>;
  const bottomUp = stages.map((s) => backboneOut[s]!);
  parts.fpn = time(
    () => gradStep(model.neck.trainableParameters(), bottomUp, (xs) => probe(Object.values(model.neck.forward(Object.fromEntries(stages.map((s, i) => [s, xs[i] as tf.Tensor4D])))))),
    iters,
  );
  const features = model.features(batch.images);
  const names = Object.keys(features);
  const levels = names.map((n) => features[n]!);
  const asMaps = (xs: tf.Tensor[]): FeatureMaps => Object.fromEntries(names.map((n, i) => [n, xs[i] as tf.Tensor4D]));
  parts.rpn = time(() => gradStep(model.proposalGenerator.trainableParameters(), levels, (xs) => {
    const { losses } = model.proposalGenerator.forward(asMaps(xs), batch.imageSizes, batch.targets);
    return tf.add(losses!.loss_rpn_cls, losses!.loss_rpn_loc) as tf.Scalar;
  }), iters);
  const { proposals, losses } = model.proposalGenerator.forward(features, batch.imageSizes, batch.targets);
  tf.dispose(Object.values(losses!));
  const boxes = proposals.map((p) => p.boxes);
  const roi = model.roiHeads;
  const boxParams = [...roi.boxHead.trainableParameters(), ...roi.boxPredictor.trainableParameters()];
  parts['box head'] = time(() => gradStep(boxParams, levels, (xs) => {
    const l = roi.boxLosses(asMaps(xs), roi.labelAndSampleProposals(boxes, batch.targets));
    return tf.add(l.loss_cls, l.loss_box_reg) as tf.Scalar;
  }), iters);
  if (roi.maskHead) {
    parts['mask head'] = time(() => gradStep(roi.maskHead!.trainableParameters(), levels, (xs) => roi.maskLoss(asMaps(xs), roi.labelAndSampleProposals(boxes, batch.targets), batch.targets)), iters);
  }
  tf.dispose([...Object.values(backboneOut), ...levels, batch.images]);
  model.dispose();
  return { config: name, batch: batchSize, step, parts };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' },
      configs: { type: 'string', default: 'faster_rcnn_R18_FPN_cpu,mask_rcnn_R18_FPN_cpu' },
      batches: { type: 'string', default: '1,2' },
      iters: { type: 'string', default: '3' },
      size: { type: 'string', default: '256' },
    },
  });
  const report = await initBackend({ backend: parseBackendChoice(values.backend!) });
  const iters = Number(values.iters);
  const size = Number(values.size);
  console.log(`detector train-step benchmark: backend ${report.backend} (${report.threads} threads), ${size}² synthetic images, median of ${iters}`);
  const rows: Row[] = [];
  for (const name of values.configs!.split(',')) {
    const config = loadModelConfig(join(CONFIG_DIR, `${name}.json`));
    for (const batch of values.batches!.split(',').map(Number)) {
      const row = measure(name, config, batch, iters, size);
      rows.push(row);
      console.log(`${name} batch ${batch}: step ${fmt(row.step)}; ${Object.entries(row.parts).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} (ms wall / cpu)`);
    }
  }
  const columns = ['backbone', 'fpn', 'rpn', 'box head', 'mask head'];
  console.log('\nms per training step, wall / process CPU (components: forward + backward each, inputs fixed)');
  console.log(`| config | batch | full step | ${columns.join(' | ')} | sum of parts |`);
  console.log(`|---|---:|---:|${columns.map(() => '---:').join('|')}|---:|`);
  for (const r of rows) {
    const parts = Object.values(r.parts);
    const sum = { wall: parts.reduce((a, b) => a + b.wall, 0), cpu: parts.reduce((a, b) => a + b.cpu, 0) };
    console.log(`| ${r.config} | ${r.batch} | ${fmt(r.step)} | ${columns.map((c) => (r.parts[c] === undefined ? '–' : fmt(r.parts[c]!))).join(' | ')} | ${fmt(sum)} |`);
  }
  const load = loadavg()[0]!;
  console.log(`\nload average during the run: ${load.toFixed(1)} (wall times are only comparable on an otherwise idle machine)`);
}

function fmt(t: Timing): string {
  return `${t.wall.toFixed(0)} / ${t.cpu.toFixed(0)}`;
}

main().catch((err: Error) => {
  console.error(`bench:detector: ${err.stack ?? err.message}`);
  process.exit(1);
});
