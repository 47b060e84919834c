import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLatestPredictions } from './latest-run';

function touch(path: string, secondsAgo: number, text = '[]'): void {
  writeFileSync(path, text);
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(path, t, t);
}

describe('findLatestPredictions', () => {
  it('finds nothing without a runs folder or predictions', () => {
    const root = mkdtempSync(join(tmpdir(), 'runs-'));
    expect(findLatestPredictions(join(root, 'missing'))).toBeUndefined();
    mkdirSync(join(root, 'run-a'));
    touch(join(root, 'run-a', 'metrics.json'), 0);
    expect(findLatestPredictions(root)).toBeUndefined();
  });

  it('picks the newest predictions*.json over all runs, and the run.json ground truth', () => {
    const root = mkdtempSync(join(tmpdir(), 'runs-'));
    mkdirSync(join(root, 'run-a'));
    mkdirSync(join(root, 'run-b'));
    touch(join(root, 'run-a', 'predictions_0001000.json'), 100);
    touch(join(root, 'run-b', 'predictions_0000500.json'), 10);
    touch(join(root, 'run-b', 'run.json'), 10, JSON.stringify({ gtAnnotations: '../data/instances_val.json' }));
    expect(findLatestPredictions(root)).toEqual({
      runDir: join(root, 'run-b'),
      predictions: join(root, 'run-b', 'predictions_0000500.json'),
      gt: join(root, 'data', 'instances_val.json'),
    });
  });

  it('leaves the ground truth undefined when the run does not name it', () => {
    const root = mkdtempSync(join(tmpdir(), 'runs-'));
    mkdirSync(join(root, 'run-a'));
    touch(join(root, 'run-a', 'predictions.json'), 0);
    expect(findLatestPredictions(root)?.gt).toBeUndefined();
  });
});
