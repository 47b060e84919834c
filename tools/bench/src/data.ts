/**
 * `npx nx run bench:data` — throughput of the COCO data pipeline (sharp decode + resize/flip,
 * annotation transforms, normalisation, padding, NHWC tensor) on the 16 real tiny-coco photos at
 * short side 512, with and without prefetching, and against a simulated training step.
 *
 * Flags: --batches N (default 48), --batch-size N (2), --short S (512), --step-ms T (400),
 * --prefetch N (2).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { buildImageRecords, CocoLoader, decodeImage, loadCocoInstances, resizeShape, type ImageRecord } from '@kestrel/coco-data';
import { createLogger } from '@kestrel/logging';

const log = createLogger('bench:data');

function flag(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === `--${name}`) return Number(argv[i + 1]);
    if (arg.startsWith(`--${name}=`)) return Number(arg.slice(name.length + 3));
  }
  return fallback;
}

function sharedDir(): string {
  return process.env['KESTREL_SHARED_DIR'] || resolve(__dirname, '..', '..', '..', '..', 'shared');
}

/** Blocks the main thread like a synchronous TF.js training step would. */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

interface RunResult {
  seconds: number;
  images: number;
  /** Time the caller spent waiting in next(), per batch. */
  waitMs: number;
}

async function runLoader(records: ImageRecord[], imagesRoot: string, opts: { batches: number; batchSize: number; short: number; prefetch: number; stepMs: number }): Promise<RunResult> {
  const loader = new CocoLoader(records, {
    imagesRoot,
    batchSize: opts.batchSize,
    prefetch: opts.prefetch,
    seed: 1,
    augmentation: { shortEdge: opts.short, maxSize: 1333, flipProbability: 0.5 },
  });
  // Warm-up: first sharp calls and kernel setup.
  for (let i = 0; i < 2; i++) (await loader.next())?.dispose();
  let waited = 0;
  let images = 0;
  const start = performance.now();
  for (let i = 0; i < opts.batches; i++) {
    const before = performance.now();
    const batch = await loader.next();
    waited += performance.now() - before;
    if (!batch) break;
    images += batch.imageIds.length;
    if (opts.stepMs > 0) busyWait(opts.stepMs);
    batch.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  await loader.close();
  return { seconds, images, waitMs: waited / opts.batches };
}

async function main(): Promise<void> {
  const tiny = join(sharedDir(), 'datasets', 'tiny-coco');
  const annotations = join(tiny, 'instances_train2017_small.json');
  if (!existsSync(annotations)) {
    log.warn(`tiny-coco not found at ${tiny}; set KESTREL_SHARED_DIR to the shared folder`);
    process.exitCode = 1;
    return;
  }
  await tf.setBackend('cpu');
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
  const opts = {
    batches: flag('batches', 48),
    batchSize: flag('batch-size', 2),
    short: flag('short', 512),
    stepMs: flag('step-ms', 400),
    prefetch: flag('prefetch', 2),
  };
  const imagesRoot = join(tiny, 'images');
  const records = buildImageRecords(await loadCocoInstances(annotations));
  log.info({ images: records.length, ...opts }, 'data pipeline benchmark on tiny-coco');

  // 1. sharp alone: decode + EXIF + resize to short side, one image at a time.
  let start = performance.now();
  for (const record of records) {
    const [height, width] = resizeShape(record.height, record.width, opts.short, 1333);
    await decodeImage(imagesRoot, record.fileName, { resizeTo: { height, width } });
  }
  const decodeSerial = records.length / ((performance.now() - start) / 1000);

  // 2. Full pipeline as fast as it goes, without and with prefetching.
  const noPrefetch = await runLoader(records, imagesRoot, { ...opts, prefetch: 0, stepMs: 0 });
  const withPrefetch = await runLoader(records, imagesRoot, { ...opts, stepMs: 0 });

  // 3. Against a simulated synchronous training step: how long does the step wait for data?
  const stepNoPrefetch = await runLoader(records, imagesRoot, { ...opts, prefetch: 0, batches: Math.min(opts.batches, 16) });
  const stepPrefetch = await runLoader(records, imagesRoot, { ...opts, batches: Math.min(opts.batches, 16) });

  const rate = (r: RunResult): string => (r.images / r.seconds).toFixed(1);
  const lines = [
    `data pipeline, tiny-coco (${records.length} real photos), short side ${opts.short}, batch ${opts.batchSize}, flip 0.5, torchvision normalisation, pad 32`,
    `  sharp decode + resize only, one at a time:      ${decodeSerial.toFixed(1)} img/s`,
    `  full pipeline, no prefetch:                     ${rate(noPrefetch)} img/s`,
    `  full pipeline, prefetch ${opts.prefetch}:                      ${rate(withPrefetch)} img/s`,
    `  with a ${opts.stepMs} ms synchronous step per batch:`,
    `    no prefetch: ${stepNoPrefetch.waitMs.toFixed(1)} ms waiting for data per step (${rate(stepNoPrefetch)} img/s overall)`,
    `    prefetch ${opts.prefetch}:  ${stepPrefetch.waitMs.toFixed(1)} ms waiting for data per step (${rate(stepPrefetch)} img/s overall)`,
    `  a CPU training step of ~2 s per batch of ${opts.batchSize} consumes ~${(opts.batchSize / 2).toFixed(1)} img/s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  log.error({ err: error }, (error as Error).message);
  process.exitCode = 1;
});
