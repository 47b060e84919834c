import type { Logger } from 'pino';

export interface ProgressOptions {
  /** Units of work in total (iterations, images, …). */
  total: number;
  /** Shown before the bar and logged as `task`. */
  label: string;
  /** Non-TTY progress goes here as JSON log lines. */
  logger?: Logger;
  /** Where the live bar is drawn. Default: stderr. */
  stream?: NodeJS.WritableStream;
  /** Draw a live bar (TTY) rather than log lines. Default: stream.isTTY and not CI. */
  live?: boolean;
  /** Minimum time between log lines when not live. Default 10 s. */
  logIntervalMs?: number;
  /** Unit name for the rate, e.g. `it` or `img`. Default `it`. */
  unit?: string;
  /** Clock, for tests. */
  now?: () => number;
}

export type ProgressFields = Record<string, number | string>;

/** Progress of long work: a redrawn bar on a TTY, periodic log lines elsewhere. */
export class Progress {
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastLog: number;
  private done = 0;
  private readonly live: boolean;
  private readonly now: () => number;
  private readonly stream: NodeJS.WritableStream;

  constructor(private readonly options: ProgressOptions) {
    if (!(options.total > 0)) throw new Error(`progress "${options.label}": total must be > 0, got ${options.total}`);
    this.now = options.now ?? (() => performance.now());
    this.stream = options.stream ?? process.stderr;
    this.live = options.live ?? ((this.stream as { isTTY?: boolean }).isTTY === true && !process.env['CI']);
    this.start = this.now();
    this.lastLog = this.start;
  }

  /** Records that `done` units are finished, with extra fields (losses, …) to show. */
  update(done: number, fields: ProgressFields = {}): void {
    this.done = Math.min(done, this.options.total);
    const t = this.now();
    const finished = this.done >= this.options.total;
    if (this.live) {
      if (finished || t - this.lastDraw >= 100) {
        this.lastDraw = t;
        this.stream.write(`\r\x1b[2K${this.line(fields, t)}${finished ? '\n' : ''}`);
      }
    } else if (finished || t - this.lastLog >= (this.options.logIntervalMs ?? 10_000)) {
      this.lastLog = t;
      this.options.logger?.info({ task: this.options.label, ...this.snapshot(t), ...fields }, this.line(fields, t));
    }
  }

  /** Rate, elapsed and remaining time at clock value `t`. */
  snapshot(t = this.now()): { done: number; total: number; rate: number; elapsedS: number; etaS: number } {
    const elapsedS = (t - this.start) / 1000;
    const rate = elapsedS > 0 ? this.done / elapsedS : 0;
    const etaS = rate > 0 ? (this.options.total - this.done) / rate : Number.POSITIVE_INFINITY;
    return { done: this.done, total: this.options.total, rate, elapsedS, etaS };
  }

  private line(fields: ProgressFields, t: number): string {
    const s = this.snapshot(t);
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`)
      .join(' ');
    return (
      `${this.options.label} ${renderBar(s.done / s.total, 24)} ${s.done}/${s.total} ` +
      `${formatNumber(s.rate)} ${this.options.unit ?? 'it'}/s ETA ${formatDuration(s.etaS)}` +
      (extra ? ` ${extra}` : '')
    );
  }
}

/** `[#####-----]` for a fraction in [0, 1]. */
export function renderBar(fraction: number, width: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** `h:mm:ss` or `m:ss`; `--:--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Compact number: 4 significant digits. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}
