/**
 * A small pool of worker threads for the evaluation: evaluateImg over image ranges, then
 * accumulate over categories. Workers are started first so their start-up overlaps the
 * preparation on the calling thread, and the pool is kept between evaluations (a trainer
 * evaluates every few thousand iterations): each worker thread has its own JIT, so a warm worker
 * is several times faster than a new one. Idle workers do not keep the process alive.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { accumulateCategories } from './accumulate';
import type { EvalData, EvalImgsOutput } from './eval-data';
import { evaluateGroups, MatchScratch } from './evaluate-image';
import type { WorkerReply, WorkerRequest } from './worker-messages';

type Task = Exclude<WorkerRequest, { type: 'init' }>;

export const WORKER_ENTRY = join(__dirname, 'eval-worker.js');

interface PoolWorker {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  /** Resolves the promise of the request in flight. */
  pending: { resolve: () => void; reject: (error: Error) => void } | undefined;
}

export class EvalWorkerPool {
  private readonly workers: PoolWorker[];
  private closed = false;
  /** Set when a worker failed or exited: the pool must not be reused. */
  broken = false;
  /** Serialises evaluations sharing the pool (each one re-initialises the workers). */
  private queue: Promise<void> = Promise.resolve();

  private constructor(size: number, entry: string) {
    this.workers = Array.from({ length: size }, () => this.spawn(entry));
  }

  /** Starts `size` workers now; they load in the background. */
  static start(size: number, entry = WORKER_ENTRY): EvalWorkerPool {
    return new EvalWorkerPool(size, entry);
  }

  get size(): number {
    return this.workers.length;
  }

  private spawn(entryPath: string): PoolWorker {
    // execArgv: [] — the entry loads what it needs itself; inheriting e.g. tsx's --import loader
    // would start a module-hooks thread per worker (≈0.3 s of CPU each).
    const worker = new Worker(entryPath, { execArgv: [] });
    let markReady!: () => void;
    let failReady!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => undefined); // observed later by whoever awaits it
    const entry: PoolWorker = { worker, ready, pending: undefined };
    const fail = (error: Error): void => {
      this.broken = true;
      failReady(error);
      const pending = entry.pending;
      entry.pending = undefined;
      pending?.reject(error);
    };
    worker.on('message', (message: WorkerReply) => {
      if (message.type === 'ready') {
        worker.unref(); // idle: do not keep the process alive
        markReady();
        return;
      }
      const pending = entry.pending;
      entry.pending = undefined;
      if (!pending) return;
      worker.unref();
      if (message.type === 'done') pending.resolve();
      else pending.reject(Object.assign(new Error(`evaluation worker failed: ${message.message}`), { stack: message.stack }));
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`evaluation worker exited unexpectedly (code ${code})`));
    });
    return entry;
  }

  /** Resolves when every worker has loaded; rejects if one cannot start. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  private request(entry: PoolWorker, message: WorkerRequest): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      entry.pending = { resolve, reject };
      entry.worker.ref(); // a reply is awaited: keep the process alive until it comes
      entry.worker.postMessage(message);
    });
  }

  /** Runs `job` when no other evaluation is using the pool. */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Sends the same message to every worker (shared buffers are shared, not copied). */
  async broadcast(message: WorkerRequest): Promise<void> {
    await Promise.all(this.workers.map((w) => this.request(w, message)));
  }

  /** Runs tasks in order of the list, each on the next free worker (or on this thread via runHere). */
  async run(tasks: readonly Task[], runHere?: (task: Task) => void): Promise<void> {
    let next = 0;
    const loop = async (entry: PoolWorker): Promise<void> => {
      while (next < tasks.length) await this.request(entry, tasks[next++]!);
    };
    // The calling thread takes tasks too, yielding between them so replies are handled.
    const local = async (): Promise<void> => {
      while (next < tasks.length) {
        runHere!(tasks[next++]!);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all([...this.workers.map(loop), ...(runHere ? [local()] : [])]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

let sharedPool: EvalWorkerPool | undefined;

/** The pool kept between evaluations; a new one when the size changes or a worker failed. */
export function sharedWorkerPool(size: number): EvalWorkerPool {
  if (sharedPool && (sharedPool.size !== size || sharedPool.broken)) {
    const old = sharedPool;
    void old.exclusive(() => old.close()); // after any evaluation still using it
    sharedPool = undefined;
  }
  sharedPool ??= EvalWorkerPool.start(size);
  return sharedPool;
}

/** Stops the kept worker threads (they never keep the process alive, but tests may want them gone). */
export async function closeSharedWorkerPool(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  await pool?.close();
}

/** Image-range tasks of roughly equal cost (groups are ordered by image). */
export function evaluateTasks(data: EvalData, numTasks: number): Task[] {
  const cost = new Float64Array(data.numGroups + 1);
  for (let g = 0; g < data.numGroups; g++) {
    const numDt = data.groupDtStart[g + 1]! - data.groupDtStart[g]!;
    const numGt = data.groupGtStart[g + 1]! - data.groupGtStart[g]!;
    cost[g + 1] = cost[g]! + (numDt + 1) * (numGt + 1);
  }
  const total = cost[data.numGroups]!;
  const tasks: Task[] = [];
  let first = 0;
  for (let i = 1; i <= numTasks && first < data.numGroups; i++) {
    let end = first;
    const target = (total * i) / numTasks;
    while (end < data.numGroups && (cost[end + 1]! <= target || end === first)) end++;
    if (i === numTasks) end = data.numGroups;
    tasks.push({ type: 'evaluate', first, end });
    first = end;
  }
  if (first < data.numGroups) tasks.push({ type: 'evaluate', first, end: data.numGroups });
  return tasks;
}

/** One task per category, the ones with most detections first (keeps the workers balanced). */
export function accumulateTasks(data: EvalData): Task[] {
  const size = new Float64Array(data.numCategories);
  for (let k = 0; k < data.numCategories; k++) {
    for (let j = data.categoryGroupStart[k]!; j < data.categoryGroupStart[k + 1]!; j++) {
      const g = data.categoryGroups[j]!;
      size[k]! += data.groupDtStart[g + 1]! - data.groupDtStart[g]! + 1;
    }
  }
  const order = Array.from({ length: data.numCategories }, (_, k) => k).sort((a, b) => size[b]! - size[a]! || a - b);
  return order.map((k) => ({ type: 'accumulate', categories: [k] }));
}

export interface WorkerTimings {
  readonly evaluateMs: number;
  readonly accumulateMs: number;
}

/**
 * Runs evaluateImg and accumulate on the pool and on the calling thread (so on 2 cores one
 * worker is enough); outputs must be SharedArrayBuffer-backed.
 */
export async function runOnWorkers(
  pool: EvalWorkerPool,
  data: EvalData,
  evalImgs: EvalImgsOutput,
  precision: Float64Array,
  recall: Float64Array,
): Promise<WorkerTimings> {
  await pool.ready();
  const t0 = performance.now();
  await pool.broadcast({ type: 'init', data, evalImgs, precision, recall });
  const scratch = new MatchScratch();
  const runHere = (task: Task): void => {
    if (task.type === 'evaluate') evaluateGroups(data, evalImgs, task.first, task.end, scratch);
    else accumulateCategories(data, evalImgs, task.categories, precision, recall);
  };
  await pool.run(evaluateTasks(data, (pool.size + 1) * 8), runHere);
  const t1 = performance.now();
  await pool.run(accumulateTasks(data), runHere);
  return { evaluateMs: t1 - t0, accumulateMs: performance.now() - t1 };
}
