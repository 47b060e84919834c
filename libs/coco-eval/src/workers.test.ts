/**
 * The worker-thread path must give the same bits as the single-threaded one. Under Jest the
 * worker entry (eval-worker.js) loads the TypeScript sources through tsx, as it does under tsx.
 */
import { join } from 'node:path';
import { closeWorkerPool, CocoGroundTruth, evaluateCoco, loadResults } from './index';
import { loadFixtureSet, sha256OfFloat64 } from './test-fixtures';
import { EvalWorkerPool } from './worker-pool';

const set = loadFixtureSet('coco_val2014_100');

describe('evaluateCoco on worker threads', () => {
  jest.setTimeout(60_000); // workers load the TypeScript sources through tsx
  afterAll(closeWorkerPool);

  it.each(set.evaluations.map((e) => [e.iouType, e] as const))('%s: same stats and arrays as pycocotools with 2 workers', async (_type, expected) => {
    const gt = CocoGroundTruth.fromFile(join(set.dir, expected.gt));
    const dt = loadResults(gt, join(set.dir, expected.results));
    // Twice: the second evaluation reuses the kept (warm) workers.
    for (let round = 0; round < 2; round++) {
      const result = await evaluateCoco(gt, dt, { iouType: expected.iouType, workers: 2 });
      expect(result.workerFallback).toBeUndefined();
      expect(result.workersUsed).toBe(2);
      expect(result.stats).toEqual(expected.stats);
      expect(sha256OfFloat64(result.precision)).toBe(expected.precision_sha256);
      expect(sha256OfFloat64(result.recall)).toBe(expected.recall_sha256);
    }
  });

  it('serialises concurrent evaluations on the shared workers', async () => {
    const [bbox, segm] = set.evaluations;
    const gt = CocoGroundTruth.fromFile(join(set.dir, bbox!.gt));
    const [a, b] = await Promise.all([
      evaluateCoco(gt, loadResults(gt, join(set.dir, bbox!.results)), { iouType: 'bbox', workers: 1 }),
      evaluateCoco(gt, loadResults(gt, join(set.dir, segm!.results)), { iouType: 'segm', workers: 1 }),
    ]);
    expect(a.stats).toEqual(bbox!.stats);
    expect(b.stats).toEqual(segm!.stats);
  });

  it("'auto' stays on the calling thread for small jobs", async () => {
    const expected = set.evaluations[0]!;
    const gt = CocoGroundTruth.fromFile(join(set.dir, expected.gt));
    const result = await evaluateCoco(gt, loadResults(gt, join(set.dir, expected.results)));
    expect(result.workersUsed).toBe(0);
    expect(result.stats).toEqual(expected.stats);
  });
});

describe('EvalWorkerPool', () => {
  it('reports a worker that cannot start (evaluateCoco then runs on the calling thread)', async () => {
    const pool = EvalWorkerPool.start(1, join(__dirname, 'no-such-worker.js'));
    await expect(pool.ready()).rejects.toThrow(/no-such-worker\.js|Cannot find module/);
    await pool.close();
  });
});
