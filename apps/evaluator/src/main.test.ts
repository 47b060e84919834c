/** End to end: the CLI as `nx run evaluator:coco` starts it (tsx), on a reference fixture. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');
const fixtures = join(root, 'libs', 'coco-eval', 'fixtures', 'tiny_coco');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json') },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('evaluator CLI', () => {
  jest.setTimeout(60_000);

  it("prints pycocotools' summary and writes the same numbers as JSON", () => {
    const expected = JSON.parse(readFileSync(join(fixtures, 'expected_tiny_coco.json'), 'utf8')) as {
      evaluations: { results: string; iouType: string; stats: number[]; summary_text: string[] }[];
    };
    const out = join(mkdtempSync(join(tmpdir(), 'evaluator-')), 'metrics.json');
    const run = cli(['--gt', join(fixtures, 'instances_train2017_small.json'), '--dt', join(fixtures, 'results_segm.json'), '--out', out]);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    const metrics = JSON.parse(readFileSync(out, 'utf8')) as { evaluations: Record<string, { statsArray: number[]; stats: Record<string, number> }> };
    for (const iouType of ['segm', 'bbox']) {
      const want = expected.evaluations.find((e) => e.results === 'results_segm.json' && e.iouType === iouType)!;
      for (const line of want.summary_text) expect(run.stdout).toContain(line);
      expect(metrics.evaluations[iouType]!.statsArray).toEqual(want.stats);
      expect(metrics.evaluations[iouType]!.stats.AP).toBe(want.stats[0]);
    }
    expect(run.stdout).toMatch(/Per category .*\n.*AP {3}AP50 {3}AP75 {2}AR100\n +1 {2}person +0\.\d{3}/);
  });

  it('explains usage and exits 2 when there is nothing to evaluate', () => {
    const run = cli(['--runs-dir', join(tmpdir(), 'no-such-runs-dir')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no --dt given and no training run predictions found/);
    expect(run.stderr).toMatch(/Usage: nx run evaluator:coco --gt ANN\.json --dt RESULTS\.json/);
  });

  it('names the file and entry of bad input and exits 1', () => {
    const run = cli(['--gt', join(fixtures, 'instances_train2017_small.json'), '--dt', join(fixtures, 'expected_tiny_coco.json')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: .*expected_tiny_coco\.json: results must be a JSON list of detections/);
  });
});
