/**
 * The quick mode's core, smaller still: every study norm × 2 batch sizes × 1 seed on a tiny
 * model and a few dozen crops, in process. Checks the run folder's table, JSON and PNG, and
 * that no tensors leak.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { initBackend, tf } from '@kestrel/runtime';
import { buildCropDataset } from './data';
import { STUDY_NORMS } from './norms';
import { parseArgs } from './options';
import type { StudyJson } from './report';
import { OUTPUT_FILES, runStudy } from './study';

jest.setTimeout(120_000);

describe('runStudy (tiny in-process run)', () => {
  let dir: string;
  let json: StudyJson;
  let tensorsBefore: number;
  let tensorsAfter: number;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
    dir = mkdtempSync(join(tmpdir(), 'norm-study-'));
    // Window 2: CBN's history is full after one step, so the midpoint count is the steady state.
    const options = parseArgs(['--quick', '--batches', '2,4', '--images', '16', '--widths', '4,8,8', '--cbn-window', '2']);
    options.norms = [...STUDY_NORMS];
    const data = buildCropDataset({ trainScenes: 8, valScenes: 4, cropSize: 12 });
    tensorsBefore = tf.memory().numTensors;
    runStudy(options, { dir, command: 'test', data });
    tensorsAfter = tf.memory().numTensors;
    json = JSON.parse(readFileSync(join(dir, OUTPUT_FILES.json), 'utf8')) as StudyJson;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON cell per norm × batch size × seed, with accuracies in [0, 1]', () => {
    expect(json.cells).toHaveLength(STUDY_NORMS.length * 2);
    for (const c of json.cells) {
      expect(c.accuracy).toBeGreaterThanOrEqual(0);
      expect(c.accuracy).toBeLessThanOrEqual(1);
      expect(c.steps * c.batchSize).toBe(16);
    }
    expect(json.summary).toHaveLength(STUDY_NORMS.length * 2);
    expect(json.command).toBe('test');
    expect(readFileSync(join(dir, OUTPUT_FILES.cells), 'utf8').trim().split('\n')).toHaveLength(STUDY_NORMS.length * 2);
  });

  it('scales the learning rate linearly with the batch', () => {
    const lr = (b: number) => json.cells.find((c) => c.norm === 'bn' && c.batchSize === b)!.peakLr;
    expect(lr(4) / lr(2)).toBeCloseTo(2, 12);
  });

  it('writes a markdown table with a row per norm and a column per batch size', () => {
    const lines = readFileSync(join(dir, OUTPUT_FILES.table), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('| norm | batch 4 | batch 2 |');
    expect(lines).toHaveLength(2 + STUDY_NORMS.length);
    for (const [i, norm] of STUDY_NORMS.entries()) expect(lines[2 + i]).toMatch(new RegExp(`^\\| ${norm} \\| \\d+\\.\\d \\| \\d+\\.\\d \\|$`));
  });

  it('writes a valid PNG plot', () => {
    const png = PNG.sync.read(readFileSync(join(dir, OUTPUT_FILES.plot)));
    expect(png.width).toBeGreaterThan(300);
    expect(png.height).toBeGreaterThan(200);
  });

  it('keeps the tensor count flat across steps for every norm, and frees everything', () => {
    for (const c of json.cells) expect(c.tensorsAtEnd).toBe(c.tensorsAtMidpoint);
    expect(tensorsAfter).toBe(tensorsBefore);
  });
});
