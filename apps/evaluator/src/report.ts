/** What the evaluator prints (per-category table) and writes (metrics JSON). */
import { formatFixed, STAT_NAMES, type CocoEvalResult } from '@kestrel/coco-eval';

const value3 = (v: number): string => (v < 0 ? '    -' : formatFixed(v, 3));

/** Per-category AP / AP50 / AP75 / AR at area "all" and the largest maxDets. */
export function formatCategoryTable(result: CocoEvalResult): string[] {
  if (result.perCategory.length === 0) return [];
  const nameWidth = Math.max(8, ...result.perCategory.map((c) => c.name.length));
  const maxDets = Math.max(...result.params.maxDets);
  const lines = [
    `Per category (area=all, maxDets=${maxDets}; "-" = no ground truth):`,
    `  ${'id'.padStart(4)}  ${'category'.padEnd(nameWidth)}     AP   AP50   AP75  AR${maxDets}`,
  ];
  for (const c of result.perCategory) {
    lines.push(`  ${String(c.categoryId).padStart(4)}  ${c.name.padEnd(nameWidth)}  ${[c.ap, c.ap50, c.ap75, c.ar].map(value3).join('  ')}`);
  }
  return lines;
}

export interface MetricsJson {
  readonly stats: Record<string, number>;
  readonly statsArray: readonly number[];
  readonly summary: readonly string[];
  readonly perCategory: readonly {
    id: number;
    name: string;
    AP: number;
    AP50: number;
    AP75: number;
    AR: number;
    APPerIou: readonly number[];
    recallPerIou: readonly number[];
  }[];
  readonly counts: CocoEvalResult['counts'];
  readonly seconds: number;
}

/** Metrics as JSON; -1 means "undefined" (no ground truth), as in pycocotools. */
export function metricsJson(result: CocoEvalResult, seconds: number): MetricsJson {
  return {
    stats: Object.fromEntries(result.stats.map((v, i) => [STAT_NAMES[i]!, v])),
    statsArray: result.stats,
    summary: result.summaryLines,
    perCategory: result.perCategory.map((c) => ({
      id: c.categoryId,
      name: c.name,
      AP: c.ap,
      AP50: c.ap50,
      AP75: c.ap75,
      AR: c.ar,
      APPerIou: c.apPerIou,
      recallPerIou: c.recallPerIou,
    })),
    counts: result.counts,
    seconds,
  };
}
