/** Messages between the evaluation and its worker threads (see worker-pool.ts, worker-main.ts). */
import type { EvalData, EvalImgsOutput } from './eval-data';

export type WorkerRequest =
  | {
      readonly type: 'init';
      readonly data: EvalData;
      readonly evalImgs: EvalImgsOutput;
      readonly precision: Float64Array;
      readonly recall: Float64Array;
    }
  /** evaluateImg for groups [first, end). */
  | { readonly type: 'evaluate'; readonly first: number; readonly end: number }
  /** accumulate for these category indices. */
  | { readonly type: 'accumulate'; readonly categories: readonly number[] };

export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly message: string; readonly stack: string | undefined };
