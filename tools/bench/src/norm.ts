// `nx run bench:norm [--backend auto] [--size 128] [--batch 2] [--iters 10] [--width 1] [--norms bn,gn,cbn] [--models resnet18,resnet50]`
// Step time and peak memory of ResNet-18 (BasicBlock) and ResNet-50 (Bottleneck) stacks with
// each norm after every conv, and the ratios to bn. Target: cbn <= 1.15 x bn step time. Steps of
// the norms are interleaved (best of --iters), so load from other processes hits them alike.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendChoice } from '@kestrel/runtime';
import { ResNet, type ResNetDepth } from '@kestrel/backbones';

const MODELS: Record<string, ResNetDepth> = { resnet18: 18, resnet50: 50 };

interface Row {
  model: string;
  norm: string;
  msPerStep: number;
  peakMB: number;
}

interface Bench {
  norm: string;
  step: () => void;
  dispose: () => void;
  best: number;
}

/** One training step (forward, backward, SGD) of a ResNet stack with `norm` after every conv. */
function setUp(model: string, norm: string, options: { size: number; batch: number; width: number }): Bench {
  // Nothing frozen: every conv of the body is followed by the norm under test.
  const net = new ResNet({ depth: MODELS[model]!, norm, width: options.width, freezeAt: 0, outFeatures: ['res5'] });
  const images = tf.randomNormal([options.batch, options.size, options.size, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const params = net.trainableParameters();
  const step = () =>
    void tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(images).res5!)) as tf.Scalar, params);
      for (const p of params) p.assign(tf.sub(p, tf.mul(grads[p.name]!, 1e-3)));
      return value.dataSync()[0]!;
    });
  return { norm, step, best: Infinity, dispose: () => (net.dispose(), images.dispose()) };
}

/**
 * Step time (best of `iters`) and peak memory of each norm on one model. The norms' steps are
 * interleaved (bn, gn, cbn, bn, …) so that load from other processes hits them alike.
 */
async function measureModel(model: string, norms: string[], options: { size: number; batch: number; iters: number; width: number }): Promise<Row[]> {
  const benches = norms.map((norm) => setUp(model, norm, options));
  try {
    for (const b of benches) {
      b.step(); // warm-up: kernel setup, XNNPACK packing, CBN history
      b.step();
    }
    for (let i = 0; i < options.iters; i++) {
      for (const b of benches) {
        const t0 = performance.now();
        b.step();
        b.best = Math.min(b.best, performance.now() - t0);
      }
    }
  } finally {
    for (const b of benches) b.dispose();
  }
  const rows: Row[] = [];
  for (const b of benches) rows.push({ model, norm: b.norm, msPerStep: b.best, peakMB: await peakMemory(model, b.norm, options) });
  return rows;
}

/** Peak tensor memory of one step with this net alone (its parameters and a full CBN window included). */
async function peakMemory(model: string, norm: string, options: { size: number; batch: number; width: number }): Promise<number> {
  const b = setUp(model, norm, options);
  try {
    for (let i = 0; i < 3; i++) b.step();
    const { peakBytes } = await tf.profile(() => b.step());
    return peakBytes / 2 ** 20;
  } finally {
    b.dispose();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' },
      size: { type: 'string', default: '128' },
      batch: { type: 'string', default: '2' },
      iters: { type: 'string', default: '10' }, // fewer let this machine's ±10 % jitter show in the ratios
      width: { type: 'string', default: '1' },
      norms: { type: 'string', default: 'bn,gn,cbn' },
      models: { type: 'string', default: 'resnet18,resnet50' },
    },
  });
  const report = await initBackend({ backend: parseBackendChoice(values.backend!) });
  const options = { size: Number(values.size), batch: Number(values.batch), iters: Number(values.iters), width: Number(values.width) };
  const norms = values.norms!.split(',');
  console.log(`norm benchmark: backend ${report.backend} (${report.threads} threads), batch ${options.batch}, ${options.size}², width ×${options.width}, best of ${options.iters} interleaved steps, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rows: Row[] = [];
  for (const model of values.models!.split(',')) {
    if (!MODELS[model]) throw new Error(`--models: unknown model "${model}"; expected ${Object.keys(MODELS).join(', ')}`);
    rows.push(...(await measureModel(model, norms, options)));
  }
  console.log('\n| model | norm | ms/step | peak MB | time / bn | memory / bn |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const row of rows) {
    const bn = rows.find((r) => r.model === row.model && r.norm === 'bn');
    const ratio = (a: number, b?: number) => (b ? (a / b).toFixed(3) : '–');
    console.log(`| ${row.model} | ${row.norm} | ${row.msPerStep.toFixed(0)} | ${row.peakMB.toFixed(0)} | ${ratio(row.msPerStep, bn?.msPerStep)} | ${ratio(row.peakMB, bn?.peakMB)} |`);
  }
  console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((err: Error) => {
  console.error(`bench:norm: ${err.message}`);
  process.exit(1);
});
