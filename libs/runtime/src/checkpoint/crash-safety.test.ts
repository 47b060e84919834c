/**
 * Kills a real writer process (testing/save-loop.ts → saveCheckpoint) with SIGKILL at several
 * points of a save and checks that the target path always holds a complete checkpoint: the previous
 * one whenever the new one had not been renamed into place yet.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTempFileName } from './atomic-write';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { checkpointFileName, listCheckpoints } from './checkpoint-files';

const FLOATS_PER_TENSOR = 4 * 1024 * 1024; // 4 tensors × 16 MiB: a save takes many milliseconds
const TENSORS = 4; // as in testing/save-loop.ts
const FIXTURE = join(__dirname, 'testing', 'save-loop.ts');

let dir: string;
beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'kestrel-crash-'));
});
const writers: ChildProcess[] = [];
afterAll(() => {
  // A failed assertion must not leave a writer looping forever.
  for (const child of writers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startWriter(target: string, firstGeneration: number): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  const child = spawn(
    process.execPath,
    ['--import', pathToFileURL(require.resolve('tsx')).href, FIXTURE, target, String(FLOATS_PER_TENSOR), String(firstGeneration)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  writers.push(child);
  let text = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  void exited.then(() => {
    if (errors.trim() !== '') process.stderr.write(`writer stderr: ${errors}\n`);
  });
  return { child, output: () => text, exited };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function tempFiles(): string[] {
  return readdirSync(dir).filter(isTempFileName);
}

/** Busy-polls (no event-loop turns, so no delay) until a temp file holds `minBytes`, then SIGKILLs. */
function killWhenTempReaches(child: ChildProcess, minBytes: number, timeoutMs = 60_000): number {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const name of tempFiles()) {
      let size: number;
      try {
        size = statSync(join(dir, name)).size;
      } catch {
        continue; // renamed away between readdir and stat
      }
      if (size >= minBytes) {
        child.kill('SIGKILL');
        return size;
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`no temp file reached ${minBytes} bytes`);
    }
  }
}

/** Loads `target` and checks it is one complete generation; returns that generation. */
async function expectCompleteCheckpoint(target: string, expectedSize: number): Promise<number> {
  expect(statSync(target).size).toBe(expectedSize);
  const { tensors, metadata } = await loadCheckpoint<{ generation: number }>(target);
  try {
    const generation = metadata!.generation;
    expect(Array.from(tensors['marker']!.dataSync())).toEqual([generation]);
    for (let i = 0; i < TENSORS; i++) {
      const values = tensors[`block${i}`]!.dataSync();
      expect(values.length).toBe(FLOATS_PER_TENSOR);
      expect(values.every((v) => v === generation)).toBe(true);
    }
    return generation;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

it('leaves the previous checkpoint intact when the writer is killed mid-save', async () => {
  const target = join(dir, checkpointFileName('final'));
  // Generations stay two-digit so every checkpoint has the same header, hence the same size.
  let generation = 10;
  const tensors: Record<string, tf.Tensor> = { marker: tf.tensor([generation], [1], 'int32') };
  for (let i = 0; i < TENSORS; i++) tensors[`block${i}`] = tf.fill([FLOATS_PER_TENSOR], generation);
  await saveCheckpoint(target, { tensors, metadata: { generation } });
  tf.dispose(Object.values(tensors));
  const fullSize = statSync(target).size;
  expect(fullSize).toBeGreaterThan(TENSORS * FLOATS_PER_TENSOR * 4);

  // Kill when the new temp file exists, is ~30 % / ~70 % written, and fully written (fsync/rename).
  const killPoints = [1, 0.3 * fullSize, 0.7 * fullSize, fullSize];
  const log: Array<{ killAt: number; sizeAtKill: number; inFlight: number; found: number; tempLeft: boolean }> = [];
  for (const killAt of killPoints) {
    const writer = startWriter(target, generation + 1);
    // Let it complete one save first, so the kill hits a writer that is repeatedly saving.
    await waitFor(() => writer.output().includes(`saved ${generation + 1}\n`), 'the first save of the writer');
    const sizeAtKill = killWhenTempReaches(writer.child, killAt);
    await writer.exited;

    const begun = [...writer.output().matchAll(/^begin (\d+)$/gm)].map((m) => Number(m[1]));
    const inFlight = begun.at(-1)!;
    const leftovers = tempFiles();
    const found = await expectCompleteCheckpoint(target, fullSize);
    log.push({ killAt: Math.round(killAt), sizeAtKill, inFlight, found, tempLeft: leftovers.length > 0 });
    if (leftovers.length > 0) {
      // The in-flight save never reached its rename: the previous checkpoint must be there.
      expect(found).toBe(inFlight - 1);
    } else {
      expect([inFlight - 1, inFlight]).toContain(found);
    }
    expect((await listCheckpoints(dir)).map((c) => c.fileName)).toEqual([checkpointFileName('final')]);

    for (const name of leftovers) rmSync(join(dir, name));
    generation = found;
  }
  // The kills at 0 %, 30 % and 70 % of the temp file all land before the rename, and at least one
  // catches the temp file partially written (`log` is in the message to diagnose timing on failure).
  const beforeRename = log.filter((k) => k.tempLeft);
  if (beforeRename.length < 3 || !beforeRename.some((k) => k.sizeAtKill < fullSize)) {
    throw new Error(`kills did not land mid-save: ${JSON.stringify(log)}`);
  }
}, 180_000);
