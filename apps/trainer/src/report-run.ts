/** The end of a run: prediction overlays, plots of metrics.jsonl, and report.md linking them. */
import { relative } from 'node:path';
import type { NormSpec } from '@kestrel/norm';
import type { Logger } from '@kestrel/logging';
import type { LoadedTrainConfig } from './config/load-config';
import { readMetrics, writeReport, writeTrainingPlots, type RunSummary } from './report';
import { writePredictionOverlays } from './train/overlays';
import type { TrainResult } from './train/trainer';

export async function finishRun(result: TrainResult, context: { loaded: LoadedTrainConfig; backend: string; logger: Logger }): Promise<{ summaryPath: string }> {
  const { data, evaluation, paths } = result;
  const { config, file } = context.loaded;
  const overlays = await writePredictionOverlays(data.valRecords, evaluation?.kept ?? new Map(), {
    imagesRoot: data.val.images,
    classNames: data.valInstances.categories.names,
    outDir: paths.overlays,
  });
  const records = readMetrics(paths.metrics);
  const plots = writeTrainingPlots(paths.dir, records);
  const lastTrain = [...records].reverse().find((r) => r.type === 'train');
  const m = config.model;
  const summary: RunSummary = {
    runName: relative(config.output.runsDir, paths.dir).startsWith('..') ? paths.dir : relative(config.output.runsDir, paths.dir),
    configName: relative(process.cwd(), file),
    configFile: paths.config,
    model: `${m.architecture === 'mask_rcnn' ? 'Mask' : 'Faster'} R-CNN, ResNet-${m.backbone.depth}${m.backbone.width !== 1 ? ` ×${m.backbone.width}` : ''}-FPN ${m.fpn.outChannels}`,
    norms: {
      backbone: normName(m.backbone.norm),
      fpn: normName(m.fpn.norm),
      boxHead: m.boxHead.numConvs > 0 ? `${normName(m.boxHead.norm)} (convs), ${normName(m.boxHead.fcNorm)} (FCs)` : normName(m.boxHead.fcNorm),
      ...(m.maskHead ? { maskHead: normName(m.maskHead.norm) } : {}),
    },
    backend: context.backend,
    iterations: result.iterations,
    batchSize: config.solver.imsPerBatch,
    wallSeconds: result.trainingSeconds,
    imagesPerSecond: result.imagesPerSecond,
    finalLosses: lastTrain?.type === 'train' ? lastTrain.losses : result.lastLosses!,
    ...(evaluation
      ? { finalEval: { iter: result.iterations, bbox: evaluation.bbox, ...(evaluation.segm ? { segm: evaluation.segm } : {}), perCategory: evaluation.perCategory } }
      : {}),
    plots,
    overlays,
    checkpoint: result.finalCheckpoint ?? '',
    evaluation: { gtAnnotations: data.val.annotations, ...(evaluation ? { predictions: evaluation.predictionsFile } : {}) },
  };
  const report = writeReport(paths.dir, summary);
  context.logger.info({ report, plots, overlays: overlays.length }, `wrote ${report}`);
  return { summaryPath: report };
}

/** `cbn`, or `gn {"groups":16}` for object specs. */
function normName(spec: NormSpec): string {
  if (typeof spec === 'string') return spec;
  const { type, ...options } = spec as { type: string } & Record<string, unknown>;
  return Object.keys(options).length ? `${type} ${JSON.stringify(options)}` : type;
}
