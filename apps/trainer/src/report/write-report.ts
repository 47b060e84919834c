/** `<runDir>/report.md`: a short, human-readable account of a run, linking its plots and overlays. */
import { writeFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { CocoSummary, LossValues } from '../metrics';
import type { CategoryAp, RunSummary } from './summary';

export const REPORT_FILE = 'report.md';

/** Writes the report and returns its path. */
export function writeReport(runDir: string, summary: RunSummary): string {
  const file = join(runDir, REPORT_FILE);
  writeFileSync(file, renderReport(runDir, summary));
  return file;
}

/** The report's markdown; links are relative to `runDir`, where report.md lives. */
export function renderReport(runDir: string, s: RunSummary): string {
  const link = (path: string): string => linkTarget(runDir, path);
  const out: string[] = [`# Run ${s.runName}`, ''];

  const norms = [`backbone \`${s.norms.backbone}\``, `FPN \`${s.norms.fpn}\``, `box head \`${s.norms.boxHead}\``];
  if (s.norms.maskHead !== undefined) norms.push(`mask head \`${s.norms.maskHead}\``);
  out.push(
    '| | |',
    '|---|---|',
    `| config | \`${s.configName}\` (resolved: [${basename(s.configFile)}](${link(s.configFile)})) |`,
    `| model | ${cell(s.model)} |`,
    `| norm | ${norms.join(', ')} |`,
    `| backend | \`${s.backend}\` |`,
    `| iterations | ${s.iterations} |`,
    `| batch size | ${s.batchSize} images |`,
    `| wall time | ${formatDuration(s.wallSeconds)} |`,
    `| throughput | ${s.imagesPerSecond.toFixed(2)} images/s |`,
    `| checkpoint | [${basename(s.checkpoint)}](${link(s.checkpoint)}) |`,
    '',
  );

  out.push('## Final losses', '', lossTable(s.finalLosses), '');

  if (s.finalEval) {
    const e = s.finalEval;
    out.push(`## COCO evaluation (iteration ${e.iter})`, '', '| | AP | AP50 | AP75 | APs | APm | APl |', '|---|---|---|---|---|---|---|');
    out.push(cocoRow('bbox', e.bbox));
    if (e.segm) out.push(cocoRow('segm', e.segm));
    out.push('');
    if (e.perCategory && e.perCategory.bbox.length > 0) out.push('### AP per category', '', categoryTable(e.perCategory.bbox, e.perCategory.segm), '');
  } else {
    out.push('## COCO evaluation', '', 'The run was not evaluated.', '');
  }

  out.push('## Plots', '', `![losses](${link(s.plots.losses)})`, '');
  if (s.plots.map) out.push(`![COCO AP](${link(s.plots.map)})`, '');
  if (s.plots.lr) out.push(`![learning rate](${link(s.plots.lr)})`, '');

  if (s.overlays.length > 0) {
    out.push('## Predictions on validation images', '');
    for (const overlay of s.overlays) out.push(`![${cell(basename(overlay))}](${link(overlay)})`);
    out.push('');
  }

  const args = ['npx', 'nx', 'run', 'evaluator:coco'];
  if (s.evaluation?.gtAnnotations) args.push('--gt', shellQuote(s.evaluation.gtAnnotations));
  if (s.evaluation?.predictions) args.push('--dt', shellQuote(s.evaluation.predictions));
  out.push('## Evaluate again', '', '```sh', args.join(' '), '```', '');
  return out.join('\n');
}

/** Path → markdown link target relative to the report, '/'-separated, spaces and parentheses escaped. */
function linkTarget(runDir: string, path: string): string {
  const rel = relative(resolve(runDir), resolve(path)).split(sep).join('/');
  return encodeURI(rel).replace(/\(/g, '%28').replace(/\)/g, '%29');
}

const LOSS_COLUMNS: ReadonlyArray<[keyof LossValues, string]> = [
  ['total_loss', 'total'],
  ['loss_cls', 'cls'],
  ['loss_box_reg', 'box reg'],
  ['loss_rpn_cls', 'rpn cls'],
  ['loss_rpn_loc', 'rpn loc'],
  ['loss_mask', 'mask'],
];

function lossTable(losses: LossValues): string {
  const columns = LOSS_COLUMNS.filter(([key]) => losses[key] !== undefined);
  return [
    `| ${columns.map(([, name]) => name).join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    `| ${columns.map(([key]) => formatLoss(losses[key]!)).join(' | ')} |`,
  ].join('\n');
}

function cocoRow(name: string, s: CocoSummary): string {
  return `| ${name} | ${[s.AP, s.AP50, s.AP75, s.APs, s.APm, s.APl].map(formatAp).join(' | ')} |`;
}

function categoryTable(bbox: readonly CategoryAp[], segm?: readonly CategoryAp[]): string {
  const segmByName = new Map(segm?.map((c) => [c.name, c.ap]));
  const lines = [segm ? '| category | bbox AP | segm AP |' : '| category | bbox AP |', segm ? '|---|---|---|' : '|---|---|'];
  for (const c of bbox) {
    const cells = [cell(c.name), formatAp(c.ap)];
    if (segm) cells.push(formatAp(segmByName.get(c.name) ?? NaN));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** AP in percent with one decimal; pycocotools' -1 (no ground truth) and NaN show as "n/a". */
export function formatAp(ap: number): string {
  return Number.isFinite(ap) && ap >= 0 ? ap.toFixed(1) : 'n/a';
}

/** Four decimals; a diverged loss shows as NaN. */
function formatLoss(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : 'NaN';
}

/** '42 s', '12 min 05 s', '3 h 04 min'. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Escapes a table cell's pipes. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Quotes a path for the shell only when it needs it. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
