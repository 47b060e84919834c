/**
 * CLI: `npx nx run datasets:shapes -- --out DIR --seed N --train N --val N --size S`.
 * Writes the synthetic shapes dataset (see @kestrel/coco-data `generateShapesDataset`).
 */
import { resolve } from 'node:path';
import { generateShapesDataset, resolveShapesOptions } from '@kestrel/coco-data';
import { createLogger, Progress } from '@kestrel/logging';
import { parseShapesArgs, SHAPES_USAGE } from './shapes-args';

async function main(): Promise<void> {
  const log = createLogger('datasets');
  let command;
  try {
    command = parseShapesArgs(process.argv.slice(2));
    resolveShapesOptions(command.options); // validate before writing anything
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${SHAPES_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (command.help) {
    process.stdout.write(`${SHAPES_USAGE}\n`);
    return;
  }
  const options = resolveShapesOptions(command.options);
  const out = resolve(command.out);
  log.info({ out, ...options }, 'generating synthetic shapes dataset');
  const progress = new Progress({ total: options.trainImages + options.valImages, label: 'shapes', logger: log, unit: 'img' });
  const started = Date.now();
  const paths = await generateShapesDataset(out, options, { onProgress: (done) => progress.update(done) });
  log.info(
    { seconds: (Date.now() - started) / 1000, train: paths.train.annotations, val: paths.val.annotations },
    `wrote ${options.trainImages} train and ${options.valImages} val images to ${out}`,
  );
}

main().catch((error: unknown) => {
  createLogger('datasets').error({ err: error }, (error as Error).message ?? String(error));
  process.exitCode = 1;
});
