/**
 * End to end through the real command line (`tsx apps/trainer/src/main.ts`), on the toy config
 * `fixtures/tiny_shapes.json`: a run trains, its losses fall, it leaves checkpoints, metrics,
 * predictions, plots and a report; and a run killed with SIGKILL and resumed ends with weights
 * bit-identical to an uninterrupted run of the same length.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeSafetensors } from '@kestrel/runtime';

const ROOT = resolve(__dirname, '../../../..');
const CONFIG = join(ROOT, 'apps/trainer/fixtures/tiny_shapes.json');

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kestrel-trainer-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function trainerArgs(out: string, extra: string[] = []): string[] {
  // One process (tsx as a loader, not the tsx CLI, which forks a child): SIGKILL must hit the trainer.
  return ['--import', 'tsx', 'apps/trainer/src/main.ts', `--config=${CONFIG}`, `--out=${out}`, `--data.cacheDir=${join(work, 'cache')}`, '--backend=wasm', ...extra];
}

const env = { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.base.json', KESTREL_LOG_LEVEL: 'info', CI: '1' };

function runTrainer(out: string, extra: string[] = []) {
  const result = spawnSync(process.execPath, trainerArgs(out, extra), { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0) throw new Error(`trainer exited with ${result.status}:\n${result.stderr.slice(-4000)}`);
  return result;
}

/** model.* and optimizer.* tensors of a checkpoint as raw bytes by name. */
function checkpointBytes(file: string): Map<string, Buffer> {
  const contents = decodeSafetensors(readFileSync(file), file);
  return new Map([...contents.tensors].map(([name, raw]) => [name, Buffer.from(raw.data)]));
}

describe('trainer end to end', () => {
  it('trains: losses fall, and the run folder holds checkpoints, metrics, predictions, plots and a report', () => {
    const out = join(work, 'plain');
    const result = runTrainer(out, ['--iters=40', '--solver.steps=[32]', '--train.logPeriod=5']);
    expect(result.stdout).toMatch(/Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \]/);
    expect(result.stdout).toMatch(/bbox AP \d+\.\d after 40 iterations/);

    const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const train = records.filter((r) => r.type === 'train');
    expect(train.map((r) => r.iter)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    const first = train[0].losses.total_loss;
    const last = (train[6].losses.total_loss + train[7].losses.total_loss) / 2;
    expect(last).toBeLessThan(first * 0.7);
    expect(records.filter((r) => r.type === 'eval').map((r) => r.iter)).toEqual([6, 12, 18, 24, 30, 36, 40]);

    for (const file of ['config.json', 'run.json', 'log.jsonl', 'predictions.json', 'report.md', 'checkpoints/model_final.safetensors', 'plots/losses.png', 'plots/map.png']) {
      expect(existsSync(join(out, file))).toBe(true);
    }
    // keepCheckpoints 2: only the two newest periodic checkpoints remain besides the final one.
    expect(existsSync(join(out, 'checkpoints/model_0000031.safetensors'))).toBe(true);
    expect(existsSync(join(out, 'checkpoints/model_0000035.safetensors'))).toBe(true);
    expect(existsSync(join(out, 'checkpoints/model_0000027.safetensors'))).toBe(false);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(existsSync(run.gtAnnotations)).toBe(true);
    const predictions = JSON.parse(readFileSync(join(out, 'predictions.json'), 'utf8'));
    expect(predictions.length).toBeGreaterThan(0);
    expect(Object.keys(predictions[0]).sort()).toEqual(['bbox', 'category_id', 'image_id', 'score']);
  });

  it('a run killed with SIGKILL and resumed ends bit-identical to an uninterrupted run', async () => {
    const straight = join(work, 'straight');
    runTrainer(straight);

    const crashed = join(work, 'crashed');
    const child = spawn(process.execPath, trainerArgs(crashed), { cwd: ROOT, env, stdio: 'ignore' });
    const checkpoint = join(crashed, 'checkpoints/model_0000003.safetensors');
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    while (!existsSync(checkpoint) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(join(crashed, 'checkpoints/model_final.safetensors'))).toBe(false);

    const resumed = runTrainer(crashed, ['--resume']);
    expect(resumed.stderr).toMatch(/resumed from model_00000(03|07)\.safetensors/);

    const a = checkpointBytes(join(straight, 'checkpoints/model_final.safetensors'));
    const b = checkpointBytes(join(crashed, 'checkpoints/model_final.safetensors'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect([...a.keys()].some((k) => k.includes('_extra_state'))).toBe(true); // CBN history travels with the weights
    const different = [...a].filter(([name, bytes]) => !bytes.equals(b.get(name)!)).map(([name]) => name);
    expect(different).toEqual([]);
    // The metrics history reads as one run: every period once, in order.
    const iters = readFileSync(join(crashed, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'train').map((r) => r.iter);
    expect(iters).toEqual([2, 4, 6, 8, 10, 12]);
  });
});
