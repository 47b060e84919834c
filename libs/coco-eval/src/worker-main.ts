/**
 * Worker-thread side of the evaluation. Inputs and outputs live in SharedArrayBuffers, so tasks
 * only carry index ranges; each worker writes disjoint parts of the shared outputs.
 */
import { parentPort } from 'node:worker_threads';
import { accumulateCategories } from './accumulate';
import { evaluateGroups, MatchScratch } from './evaluate-image';
import { warmUpKernels } from './warm-up';
import type { WorkerReply, WorkerRequest } from './worker-messages';

const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');

let state: Extract<WorkerRequest, { type: 'init' }> | undefined;
const scratch = new MatchScratch();

function reply(message: WorkerReply): void {
  port!.postMessage(message);
}

port.on('message', (request: WorkerRequest) => {
  try {
    if (request.type === 'init') {
      state = request;
    } else if (!state) {
      throw new Error(`worker received '${request.type}' before 'init'`);
    } else if (request.type === 'evaluate') {
      evaluateGroups(state.data, state.evalImgs, request.first, request.end, scratch);
    } else {
      accumulateCategories(state.data, state.evalImgs, request.categories, state.precision, state.recall);
    }
    reply({ type: 'done' });
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    reply({ type: 'error', message: err.message, stack: err.stack });
  }
});

// Warm the JIT before saying ready: the main thread is busy preparing meanwhile.
warmUpKernels(scratch);
reply({ type: 'ready' });
