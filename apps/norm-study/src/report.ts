/** The study's outputs: per-cell summary (mean ± std over seeds), markdown and JSON tables. */
import { meanStd } from './metric';
import type { CellResult } from './train';

export interface CellSummary {
  norm: string;
  batchSize: number;
  /** Accuracy in percent, mean and sample std over seeds. */
  mean: number;
  std: number;
  /** Per-seed accuracies in percent, in seed order. */
  values: number[];
  seeds: number[];
  /** Seeds whose training loss became non-finite. */
  diverged: number[];
}

/** Groups cell results by (norm, batch size), in the order given. */
export function summarize(results: readonly CellResult[], norms: readonly string[], batchSizes: readonly number[]): CellSummary[] {
  const out: CellSummary[] = [];
  for (const norm of norms) {
    for (const batchSize of batchSizes) {
      const cells = results.filter((r) => r.norm === norm && r.batchSize === batchSize).sort((a, b) => a.seed - b.seed);
      if (cells.length === 0) continue;
      const values = cells.map((c) => 100 * c.accuracy);
      out.push({
        norm,
        batchSize,
        ...meanStd(values),
        values,
        seeds: cells.map((c) => c.seed),
        diverged: cells.filter((c) => !c.finite).map((c) => c.seed),
      });
    }
  }
  return out;
}

/** `81.2 ± 0.7` (one decimal); a single seed shows no ±; diverged seeds are flagged. */
export function formatCell(cell: CellSummary): string {
  const base = cell.values.length > 1 ? `${cell.mean.toFixed(1)} ± ${cell.std.toFixed(1)}` : cell.mean.toFixed(1);
  return cell.diverged.length ? `${base} (diverged: seed ${cell.diverged.join(', ')})` : base;
}

/** Markdown table: one row per norm, one column per batch size (largest first, as in the plot). */
export function markdownTable(summary: readonly CellSummary[], norms: readonly string[], batchSizes: readonly number[]): string {
  const columns = [...batchSizes].sort((a, b) => b - a);
  const lines = [
    `| norm | ${columns.map((b) => `batch ${b}`).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
  ];
  for (const norm of norms) {
    const cells = columns.map((b) => {
      const cell = summary.find((c) => c.norm === norm && c.batchSize === b);
      return cell ? formatCell(cell) : '–';
    });
    lines.push(`| ${norm} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

export interface StudyJson {
  /** What was measured. */
  metric: string;
  /** Options and derived settings of the run (for repeating it). */
  config: unknown;
  command: string;
  startedAt: string;
  seconds: number;
  summary: CellSummary[];
  cells: CellResult[];
}
