import { formatCell, markdownTable, summarize } from './report';
import type { CellResult } from './train';

const cell = (norm: 'bn' | 'cbn', batchSize: number, seed: number, accuracy: number, finite = true): CellResult => ({
  norm,
  batchSize,
  seed,
  accuracy,
  finalLoss: 0.5,
  finite,
  steps: 10,
  peakLr: 0.1,
  seconds: 1,
  tensorsAtMidpoint: 40,
  tensorsAtEnd: 40,
});

describe('summarize / markdownTable', () => {
  const results = [cell('bn', 1, 1, 0.2), cell('bn', 1, 2, 0.3), cell('bn', 16, 1, 0.8), cell('bn', 16, 2, 0.8), cell('cbn', 1, 2, 0.7), cell('cbn', 1, 1, 0.6, false)];
  const summary = summarize(results, ['bn', 'cbn'], [1, 16]);

  it('averages over seeds in percent', () => {
    const bn1 = summary.find((c) => c.norm === 'bn' && c.batchSize === 1)!;
    expect(bn1.mean).toBeCloseTo(25, 9);
    expect(bn1.std).toBeCloseTo(Math.sqrt(50), 9);
    expect(bn1.seeds).toEqual([1, 2]);
    const cbn1 = summary.find((c) => c.norm === 'cbn' && c.batchSize === 1)!;
    expect(cbn1.values[0]).toBeCloseTo(60, 9);
    expect(cbn1.values[1]).toBeCloseTo(70, 9);
    expect(cbn1.diverged).toEqual([1]);
    expect(summary).toHaveLength(3); // no cbn at 16
  });

  it('formats a table with the largest batch first and a dash for missing cells', () => {
    const table = markdownTable(summary, ['bn', 'cbn'], [1, 16]);
    const lines = table.trim().split('\n');
    expect(lines[0]).toBe('| norm | batch 16 | batch 1 |');
    expect(lines[1]).toBe('|---|---:|---:|');
    expect(lines[2]).toBe('| bn | 80.0 ± 0.0 | 25.0 ± 7.1 |');
    expect(lines[3]).toBe('| cbn | – | 65.0 ± 7.1 (diverged: seed 1) |');
  });

  it('omits ± for one seed', () => {
    expect(formatCell({ norm: 'bn', batchSize: 1, mean: 12.34, std: 0, values: [12.34], seeds: [1], diverged: [] })).toBe('12.3');
  });
});
