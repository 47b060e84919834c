/**
 * `nx run trainer:train [--config FILE] [--norm cbn] [--iters N] [--resume] …` — trains a detector,
 * checkpoints it, evaluates it with COCO metrics and writes a report into its run folder.
 * Without options: Faster R-CNN (ResNet-18, CBN everywhere) on the built-in shapes dataset.
 */
import { configureLogging, createLogger } from '@kestrel/logging';
import { initBackend } from '@kestrel/runtime';
import { parseTrainerArgs, USAGE, UsageError } from './config/cli';
import { loadTrainConfig, TrainConfigError } from './config/load-config';
import { finishRun } from './report-run';
import { prepareRunFolder, runPaths, RunFolderError } from './train/run-folder';
import { NonFiniteLossError, train } from './train/trainer';

async function main(argv: readonly string[]): Promise<number> {
  const args = parseTrainerArgs(argv);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const loaded = loadTrainConfig(args);
  const paths = runPaths(loaded.runDir);
  await prepareRunFolder(paths, args);
  configureLogging({ file: paths.log });
  const logger = createLogger('trainer');
  logger.info({ config: loaded.file, runDir: loaded.runDir, files: loaded.files }, `config ${loaded.file} → run folder ${loaded.runDir}`);
  const backend = await initBackend({ backend: loaded.config.train.backend, threads: loaded.config.train.threads ?? undefined, logger });

  // Ctrl-C / SIGTERM: finish the iteration, save a checkpoint, stop; a second signal exits at once.
  let stopRequested = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    logger.warn({ signal }, `${signal}: stopping after this iteration (again to quit without saving)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const result = await train({ loaded, resume: args.resume, overwrite: args.overwrite, folderReady: true, logger, argv, shouldStop: () => stopRequested });
  if (result.stopped) return 130;
  const { summaryPath } = await finishRun(result, { loaded, backend: `${backend.backend} (${backend.provider}, ${backend.threads} threads)`, logger });
  const e = result.evaluation!;
  for (const [iouType, lines] of Object.entries(e.summaryLines)) process.stdout.write(`\nEvaluate annotation type *${iouType}*\n${lines.join('\n')}\n`);
  process.stdout.write(
    `\nbbox AP ${e.bbox.AP.toFixed(1)}${e.segm ? ` | segm AP ${e.segm.AP.toFixed(1)}` : ''} after ${result.iterations} iterations ` +
      `(${(result.trainingSeconds / 60).toFixed(1)} min training, ${result.imagesPerSecond.toFixed(2)} images/s)\nreport: ${summaryPath}\n`,
  );
  result.model.dispose();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (error instanceof TrainConfigError) {
      process.stderr.write(`error: invalid config:\n${error.message.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
      process.exit(2);
    }
    if (error instanceof RunFolderError || error instanceof NonFiniteLossError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
