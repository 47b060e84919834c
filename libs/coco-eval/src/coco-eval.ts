/**
 * The evaluation pipeline (pycocotools COCOeval evaluate → accumulate → summarize), on the
 * calling thread or spread over worker threads.
 */
import { availableParallelism } from 'node:os';
import { accumulateCategories, accumulateShape, type AccumulateShape } from './accumulate';
import { ArrayAllocator, buildEvalData, type EvalData, type EvalImgsOutput } from './eval-data';
import { evaluateGroups } from './evaluate-image';
import type { CocoGroundTruth } from './gt-index';
import type { DetectionSet } from './load-results';
import { resolveParams, type EvalParams, type EvalParamsOptions } from './params';
import { perCategoryMetrics, summarize, type CategoryMetrics } from './summarize';
import { closeSharedWorkerPool, runOnWorkers, sharedWorkerPool } from './worker-pool';

export interface EvaluateOptions extends EvalParamsOptions {
  /**
   * Worker threads for evaluateImg and accumulate, which share the work with the calling thread.
   * 0 = all on the calling thread; 'auto' (default) = one per additional CPU core (at most 7)
   * when the job is large enough to pay for starting them (≥ 200k detections: a new worker
   * costs ~0.2 s of CPU), else 0.
   */
  workers?: number | 'auto';
}

export interface CocoEvalResult {
  readonly params: EvalParams;
  readonly shape: AccumulateShape;
  /** precision[T, R, K, A, M] in C order, as pycocotools' eval['precision']. */
  readonly precision: Float64Array;
  /** recall[T, K, A, M] in C order, as pycocotools' eval['recall']. */
  readonly recall: Float64Array;
  /** The 12 summary statistics (STAT_NAMES order); empty with fewer than 3 maxDets. */
  readonly stats: readonly number[];
  /** The 12 lines pycocotools' summarize() prints. */
  readonly summaryLines: readonly string[];
  /** Per-category AP/AP50/AP75/AR (empty when useCats is false). */
  readonly perCategory: readonly CategoryMetrics[];
  readonly counts: { readonly images: number; readonly groundTruths: number; readonly detections: number };
  readonly timingsMs: { readonly prepare: number; readonly evaluate: number; readonly accumulate: number; readonly summarize: number };
  readonly workersUsed: number;
  /** Why worker threads were requested but not used (they failed to start), if so. */
  readonly workerFallback?: string;
}

/** Detections evaluated at or above which 'auto' starts worker threads. */
const AUTO_WORKER_MIN_DETECTIONS = 200_000;

export interface PreparedEvaluation {
  readonly gt: CocoGroundTruth;
  readonly dt: DetectionSet;
  readonly params: EvalParams;
  readonly data: EvalData;
}

/**
 * Resolves parameters and builds the typed-array working set (pycocotools' _prepare plus the
 * score sort). `shared` puts it on SharedArrayBuffers for worker threads.
 */
export function prepareEvaluation(gt: CocoGroundTruth, dt: DetectionSet, options: EvalParamsOptions = {}, shared = false): PreparedEvaluation {
  const params = resolveParams(options, gt.imageIds, gt.categoryIds);
  return { gt, dt, params, data: buildEvalData(gt, dt, params, new ArrayAllocator(shared)) };
}

interface Buffers {
  readonly evalImgs: EvalImgsOutput;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
}

function allocateBuffers(data: EvalData, alloc: ArrayAllocator): Buffers {
  const { T, R, K, A, M } = accumulateShape(data);
  const precision = alloc.f64(T * R * K * A * M).fill(-1);
  const recall = alloc.f64(T * K * A * M).fill(-1);
  return { evalImgs: { codes: alloc.u8(A * T * data.numDt), npig: alloc.i32(data.numGroups * A) }, precision, recall };
}

function finish(prepared: PreparedEvaluation, buffers: Buffers, timings: { prepare: number; evaluate: number; accumulate: number }, workersUsed: number): CocoEvalResult {
  const started = performance.now();
  const { params, data, gt, dt } = prepared;
  const shape = accumulateShape(data);
  // pycocotools' summarize reads maxDets[0..2]; with fewer there are no standard stats.
  const summary = params.maxDets.length >= 3 ? summarize(params, shape, buffers.precision, buffers.recall) : { stats: [], lines: [] };
  const perCategory = perCategoryMetrics(params, shape, buffers.precision, buffers.recall, (id) => gt.categories.get(id)?.name ?? String(id));
  return {
    params,
    shape,
    precision: buffers.precision,
    recall: buffers.recall,
    stats: summary.stats,
    summaryLines: summary.lines,
    perCategory,
    counts: { images: params.imgIds.length, groundTruths: gt.annotations.length, detections: dt.count },
    timingsMs: { ...timings, summarize: performance.now() - started },
    workersUsed,
  };
}

/** evaluateImg and accumulate on the calling thread. */
function runHere(data: EvalData, buffers: Buffers): { evaluate: number; accumulate: number } {
  const t0 = performance.now();
  evaluateGroups(data, buffers.evalImgs, 0, data.numGroups);
  const t1 = performance.now();
  const all = Int32Array.from({ length: data.numCategories }, (_, k) => k);
  accumulateCategories(data, buffers.evalImgs, all, buffers.precision, buffers.recall);
  return { evaluate: t1 - t0, accumulate: performance.now() - t1 };
}

/** Evaluates on the calling thread. */
export function evaluateCocoSync(gt: CocoGroundTruth, dt: DetectionSet, options: EvalParamsOptions = {}): CocoEvalResult {
  const t0 = performance.now();
  const prepared = prepareEvaluation(gt, dt, options);
  const buffers = allocateBuffers(prepared.data, new ArrayAllocator(false));
  const prepare = performance.now() - t0;
  return finish(prepared, buffers, { prepare, ...runHere(prepared.data, buffers) }, 0);
}

function workerCount(option: number | 'auto' | undefined, numDt: number): number {
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 0) throw new RangeError(`workers must be a non-negative integer or 'auto', got ${option}`);
    return option;
  }
  if (numDt < AUTO_WORKER_MIN_DETECTIONS) return 0;
  // The calling thread works too, so one worker per remaining core.
  return Math.min(7, Math.max(1, availableParallelism() - 1));
}

/**
 * Evaluates, using worker threads for large jobs (see EvaluateOptions.workers). The workers are
 * kept for later evaluations (closeWorkerPool() stops them; idle, they never keep the process
 * alive). If they cannot start (e.g. the library was bundled without its worker entry), it
 * evaluates on the calling thread and says so in `workerFallback`.
 */
export async function evaluateCoco(gt: CocoGroundTruth, dt: DetectionSet, options: EvaluateOptions = {}): Promise<CocoEvalResult> {
  const { workers: workersOption, ...paramOptions } = options;
  const workers = workerCount(workersOption, dt.count);
  if (workers === 0) return evaluateCocoSync(gt, dt, paramOptions);
  const pool = sharedWorkerPool(workers); // new workers start loading while we prepare
  return pool.exclusive(async () => {
    const t0 = performance.now();
    const prepared = prepareEvaluation(gt, dt, paramOptions, true);
    const buffers = allocateBuffers(prepared.data, new ArrayAllocator(true));
    const prepare = performance.now() - t0;
    try {
      await pool.ready();
    } catch (error) {
      const result = finish(prepared, buffers, { prepare, ...runHere(prepared.data, buffers) }, 0);
      return { ...result, workerFallback: (error as Error).message };
    }
    const waited = performance.now() - t0 - prepare;
    const timings = await runOnWorkers(pool, prepared.data, buffers.evalImgs, buffers.precision, buffers.recall);
    // Waiting for new workers to load counts as evaluation time.
    return finish(prepared, buffers, { prepare, evaluate: waited + timings.evaluateMs, accumulate: timings.accumulateMs }, workers);
  });
}

/** Stops the worker threads kept between evaluations. */
export async function closeWorkerPool(): Promise<void> {
  await closeSharedWorkerPool();
}
