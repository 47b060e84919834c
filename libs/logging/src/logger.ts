import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Logger, type StreamEntry } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggingOptions {
  /** Minimum level. Default: env KESTREL_LOG_LEVEL, else `info`. */
  level?: LogLevel;
  /** Human-readable output. Default: true when stderr is a TTY and not in CI. */
  pretty?: boolean;
  /** Also append JSON lines to this file (created with its folder), e.g. a run's `log.jsonl`. */
  file?: string;
  /** Console stream. Default: stderr, so stdout stays free for a command's actual output. */
  stream?: NodeJS.WritableStream;
}

let root: Logger | undefined;

/**
 * (Re)configures the process-wide logger: pretty on a TTY, JSON lines otherwise, plus an
 * optional JSON-lines file. Loggers created earlier keep their old destination, so call this
 * once at program start.
 */
export function configureLogging(options: LoggingOptions = {}): Logger {
  const level = options.level ?? defaultLevel();
  const stream = options.stream ?? process.stderr;
  const pretty = options.pretty ?? ((stream as { isTTY?: boolean }).isTTY === true && !process.env['CI']);
  const console: DestinationStream = pretty
    ? pinoPretty({ colorize: true, sync: true, destination: stream, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' })
    : (stream as DestinationStream);
  // The root logger filters by level; the streams pass everything it lets through.
  const streams: StreamEntry[] = [{ level: 'trace', stream: console }];
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    streams.push({ level: 'trace', stream: pino.destination({ dest: options.file, sync: true, append: true }) });
  }
  root = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
  return root;
}

/** A child logger tagged with the module name (`{"module":"trainer",...}`). */
export function createLogger(module: string, bindings: Record<string, unknown> = {}): Logger {
  return (root ?? configureLogging()).child({ module, ...bindings });
}

function defaultLevel(): LogLevel {
  const fromEnv = process.env['KESTREL_LOG_LEVEL'];
  const levels: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (fromEnv && !levels.includes(fromEnv as LogLevel)) {
    throw new Error(`KESTREL_LOG_LEVEL: unknown level "${fromEnv}"; expected one of ${levels.join(', ')}`);
  }
  return (fromEnv as LogLevel | undefined) ?? 'info';
}
