/**
 * Crash-test writer: saves checkpoints to one path forever with the real `saveCheckpoint`, so a
 * test can SIGKILL it mid-save. Run as a single process (`node --import tsx save-loop.ts …`; the
 * tsx CLI would put a wrapper process between the test and the writer).
 *
 * Args: <target file> <floats per tensor> <first generation>. Generation g writes four float32
 * tensors filled with g, an int32 marker [g] and metadata { generation: g }. Prints
 * `begin g` before and `saved g` after each save (stdout to a pipe is synchronous on Linux).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { saveCheckpoint } from '../checkpoint';

const TENSORS_PER_CHECKPOINT = 4;

async function main(): Promise<void> {
  const [target, floatsArg, firstArg] = process.argv.slice(2);
  if (target === undefined || floatsArg === undefined || firstArg === undefined) {
    throw new Error('usage: save-loop.ts <target> <floats per tensor> <first generation>');
  }
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  const floats = Number(floatsArg);
  for (let generation = Number(firstArg); ; generation++) {
    const tensors: Record<string, tf.Tensor> = { marker: tf.tensor([generation], [1], 'int32') };
    for (let i = 0; i < TENSORS_PER_CHECKPOINT; i++) tensors[`block${i}`] = tf.fill([floats], generation);
    process.stdout.write(`begin ${generation}\n`);
    await saveCheckpoint(target, { tensors, metadata: { generation } });
    process.stdout.write(`saved ${generation}\n`);
    tf.dispose(Object.values(tensors));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
