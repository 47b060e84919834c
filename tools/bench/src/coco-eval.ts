/**
 * Benchmark: COCO bbox (or segm) evaluation of a val2017-sized synthetic set.
 *
 *   npx nx run bench:coco-eval [--images 5000] [--workers auto|N] [--iou-type bbox|segm]
 *                              [--repeat 3] [--write DIR]
 *
 * Times results loading (loadRes) + evaluate + accumulate + summarize, with JSON parsing of the
 * results reported separately. pycocotools needs ≈77 s for the same job on a 2-core machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { CocoGroundTruth, evaluateCoco, loadResults, type IouType } from '@kestrel/coco-eval';
import { generateSyntheticCoco } from './synthetic-coco';

const PYCOCOTOOLS_REFERENCE_S = 77; // ../shared/docs/coco-eval.md: 55 s evaluate + 13 s accumulate + loading

interface BenchArgs {
  images: number;
  workers: number | 'auto';
  iouType: IouType;
  repeat: number;
  writeDir: string | undefined;
}

function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { images: 5000, workers: 'auto', iouType: 'bbox', repeat: 3, writeDir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => inline ?? argv[++i] ?? '';
    if (flag === '--images') args.images = Number(value());
    else if (flag === '--workers') {
      const workers = value();
      args.workers = workers === 'auto' ? 'auto' : Number(workers);
    }
    else if (flag === '--iou-type') args.iouType = value() as IouType;
    else if (flag === '--repeat') args.repeat = Number(value());
    else if (flag === '--write') args.writeDir = value();
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let t = performance.now();
  const synthetic = generateSyntheticCoco({ images: args.images });
  const gtText = JSON.stringify(synthetic.gt);
  const resultsText = JSON.stringify(synthetic.results);
  console.log(
    `synthetic set: ${synthetic.gt.images.length} images, ${synthetic.gt.categories.length} categories, ` +
      `${synthetic.gt.annotations.length} ground truths, ${synthetic.results.length} detections ` +
      `(results JSON ${(resultsText.length / 1e6).toFixed(1)} MB; generated in ${((performance.now() - t) / 1000).toFixed(2)} s)`,
  );
  if (args.writeDir) {
    mkdirSync(args.writeDir, { recursive: true });
    writeFileSync(join(args.writeDir, 'synthetic_gt.json'), gtText);
    writeFileSync(join(args.writeDir, 'synthetic_results.json'), resultsText);
    console.log(`wrote ${args.writeDir}/synthetic_gt.json and synthetic_results.json`);
  }
  const gt = CocoGroundTruth.fromDataset(JSON.parse(gtText), 'synthetic_gt.json');

  const totals: number[] = [];
  for (let run = 1; run <= args.repeat; run++) {
    t = performance.now();
    const parsed = JSON.parse(resultsText) as unknown[];
    const parseS = (performance.now() - t) / 1000;
    t = performance.now();
    const cpuBefore = process.cpuUsage();
    const dt = loadResults(gt, parsed, { source: 'synthetic_results.json' });
    const loadS = (performance.now() - t) / 1000;
    t = performance.now();
    const result = await evaluateCoco(gt, dt, { iouType: args.iouType, workers: args.workers });
    const evalS = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuS = (cpu.user + cpu.system) / 1e6; // all threads of the process, GC included
    const total = loadS + evalS;
    totals.push(total);
    const ms = result.timingsMs;
    console.log(
      `run ${run}: ${total.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU  (loadRes ${loadS.toFixed(2)} s, prepare ${(ms.prepare / 1000).toFixed(2)} s, ` +
        `evaluate ${(ms.evaluate / 1000).toFixed(2)} s, accumulate ${(ms.accumulate / 1000).toFixed(2)} s, ` +
        `summarize ${(ms.summarize / 1000).toFixed(2)} s, workers ${result.workersUsed}${result.workerFallback ? ` (fallback: ${result.workerFallback})` : ''}); ` +
        `JSON.parse of the results ${parseS.toFixed(2)} s`,
    );
    if (run === args.repeat) for (const line of result.summaryLines) console.log(line);
  }
  const best = Math.min(...totals);
  console.log(`load average during the runs: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores (other jobs slow the wall time)`);
  const comparable = args.images === 5000 && args.iouType === 'bbox';
  console.log(
    `\n${args.iouType} evaluation of ${args.images} images: best ${best.toFixed(2)} s over ${args.repeat} run(s)` +
      (comparable
        ? `; pycocotools reference ≈ ${PYCOCOTOOLS_REFERENCE_S} s on 2 cores (${(PYCOCOTOOLS_REFERENCE_S / best).toFixed(0)}× faster)`
        : ` (the pycocotools reference, ≈ ${PYCOCOTOOLS_REFERENCE_S} s, is for 5000 images, bbox)`),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
