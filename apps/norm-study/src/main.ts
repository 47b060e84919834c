/**
 * `nx run norm-study:study [--quick] [--out DIR] [--seeds 1,2,3] …` — the small-batch norm
 * study: BN vs GN vs BRN vs naive cross-iteration BN vs CBN across batch sizes. See README.md.
 */
import { join } from 'node:path';
import { configureLogging, createLogger } from '@kestrel/logging';
import { initBackend } from '@kestrel/runtime';
import { defaultRunDir, parseArgs, USAGE, UsageError } from './options';
import { OUTPUT_FILES, runStudy } from './study';

async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dir = options.out ?? defaultRunDir();
  configureLogging({ file: join(dir, 'log.jsonl') });
  const logger = createLogger('norm-study');
  await initBackend({ backend: options.backend, threads: options.threads, logger });
  const command = ['nx run norm-study:study', ...argv].join(' ');
  logger.info({ dir, options }, `norm study → ${dir}`);
  const result = runStudy(options, { dir, command, logger });
  process.stdout.write(`\n${result.table}\n`);
  process.stdout.write(`wrote ${[OUTPUT_FILES.table, OUTPUT_FILES.json, OUTPUT_FILES.plot, OUTPUT_FILES.cells].map((f) => join(dir, f)).join(', ')}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
