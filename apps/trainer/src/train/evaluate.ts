/**
 * Evaluation during and after training: inference over the validation images, COCO results
 * written to the run folder (`predictions.json`, which `nx run evaluator:coco` picks up), and
 * pycocotools-exact bbox (and segm for Mask R-CNN) numbers from @kestrel/coco-eval.
 */
import { join } from 'node:path';
import { CocoLoader, MSRA_CAFFE_NORMALIZATION, TORCHVISION_NORMALIZATION, type CocoInstances, type ImageRecord, type PixelNormalization } from '@kestrel/coco-data';
import { CocoGroundTruth, evaluateCoco, loadResults, toCocoResults, writeCocoResults, type CocoResult, type IouType } from '@kestrel/coco-eval';
import type { Detections, GeneralizedRCNN } from '@kestrel/detectors';
import { Progress, type Logger } from '@kestrel/logging';
import type { CocoSummary } from '../metrics';
import type { CategoryAp } from '../report';

export interface EvaluationOptions {
  records: readonly ImageRecord[];
  instances: CocoInstances;
  imagesRoot: string;
  runDir: string;
  /** Images per inference batch. Default 1. */
  batchSize?: number;
  /** Keep the detections of the first N images (for overlays). Default 0. */
  keep?: number;
  logger: Logger;
}

export interface EvaluationResult {
  bbox: CocoSummary;
  segm?: CocoSummary;
  /** Per category bbox AP (and segm AP for Mask R-CNN). */
  perCategory: { bbox: CategoryAp[]; segm?: CategoryAp[] };
  /** pycocotools' summary lines per IoU type. */
  summaryLines: Partial<Record<IouType, readonly string[]>>;
  predictionsFile: string;
  detections: number;
  seconds: number;
  imagesPerSecond: number;
  /** Detections of the first `keep` images, by image id. */
  kept: Map<number, Detections>;
}

/** Runs the model in eval mode over the records (the caller's mode is restored afterwards). */
export async function evaluateDetector(model: GeneralizedRCNN, options: EvaluationOptions): Promise<EvaluationResult> {
  const { records, instances, logger } = options;
  const wasTraining = model.training;
  model.eval();
  const started = performance.now();
  const loader = new CocoLoader(records, {
    imagesRoot: options.imagesRoot,
    mode: 'test',
    batchSize: options.batchSize ?? 1,
    augmentation: { shortEdge: model.config.input.test.shortEdge, maxSize: model.config.input.test.maxSize, flipProbability: 0 },
    normalization: pixelNormalization(model.config.input.normalization),
    sizeDivisibility: model.config.input.sizeDivisibility,
  });
  const results: CocoResult[] = [];
  const kept = new Map<number, Detections>();
  const progress = new Progress({ total: records.length, label: 'evaluation', unit: 'img', logger });
  const categoryIds = instances.categories.categoryIds;
  const hasMasks = model.config.maskHead !== null;
  let done = 0;
  try {
    for (let batch = await loader.next(); batch !== null; batch = await loader.next()) {
      let detections: Detections[];
      try {
        detections = model.inference(batch);
      } finally {
        batch.dispose();
      }
      detections.forEach((d, i) => {
        const imageId = batch.imageIds[i]!;
        const [height, width] = d.imageSize;
        const masks = hasMasks ? flattenMasks(d.masks ?? [], height * width) : undefined;
        results.push(
          ...toCocoResults(
            { imageId, boxes: d.boxes, scores: d.scores, labels: d.labels, originalSize: { height, width }, ...(masks ? { masks: { data: masks, height, width } } : {}) },
            { categoryIds },
          ),
        );
        if (kept.size < (options.keep ?? 0)) kept.set(imageId, d);
      });
      done += batch.imageIds.length;
      progress.update(done);
    }
  } finally {
    await loader.close();
    model.train(wasTraining);
  }
  const inferenceSeconds = (performance.now() - started) / 1000;
  const predictionsFile = join(options.runDir, 'predictions.json');
  writeCocoResults(predictionsFile, results);

  const result: EvaluationResult = {
    bbox: emptySummary(),
    perCategory: { bbox: [] },
    summaryLines: {},
    predictionsFile,
    detections: results.length,
    seconds: 0,
    imagesPerSecond: records.length / inferenceSeconds,
    kept,
  };
  if (results.length === 0) {
    // pycocotools cannot load an empty result list; with no detections every AP is 0.
    logger.warn({ images: records.length }, 'evaluation: the model detected nothing above the score threshold; AP is 0');
    if (hasMasks) result.segm = emptySummary();
    result.seconds = (performance.now() - started) / 1000;
    return result;
  }
  const gt = CocoGroundTruth.fromFile(instances.file);
  const dt = loadResults(gt, results);
  const imgIds = records.map((r) => r.imageId);
  for (const iouType of hasMasks ? (['bbox', 'segm'] as const) : (['bbox'] as const)) {
    const coco = await evaluateCoco(gt, dt, { iouType, imgIds });
    const summary = toSummary(coco.stats);
    const perCategory = coco.perCategory.map((c) => ({ name: c.name, ap: c.ap < 0 ? -1 : c.ap * 100 }));
    result.summaryLines[iouType] = coco.summaryLines;
    if (iouType === 'bbox') {
      result.bbox = summary;
      result.perCategory.bbox = perCategory;
    } else {
      result.segm = summary;
      result.perCategory.segm = perCategory;
    }
  }
  result.seconds = (performance.now() - started) / 1000;
  logger.info(
    { bbox: result.bbox, segm: result.segm, detections: results.length, seconds: result.seconds },
    `evaluation: bbox AP ${result.bbox.AP.toFixed(1)}${result.segm ? `, segm AP ${result.segm.AP.toFixed(1)}` : ''} on ${records.length} images (${results.length} detections, ${result.seconds.toFixed(1)} s)`,
  );
  return result;
}

/** COCO summary in percent from the 12 stats; -1 (no ground truth in that range) stays -1. */
function toSummary(stats: readonly number[]): CocoSummary {
  const pct = (i: number) => (stats[i]! < 0 ? -1 : stats[i]! * 100);
  return { AP: pct(0), AP50: pct(1), AP75: pct(2), APs: pct(3), APm: pct(4), APl: pct(5) };
}

function emptySummary(): CocoSummary {
  return { AP: 0, AP50: 0, AP75: 0, APs: 0, APm: 0, APl: 0 };
}

function flattenMasks(masks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(masks.length * size);
  masks.forEach((m, i) => out.set(m, i * size));
  return out;
}

/** The loader's pixel normalisation for a model config's `input.normalization`. */
export function pixelNormalization(name: 'torchvision' | 'msra-caffe'): PixelNormalization {
  return name === 'torchvision' ? TORCHVISION_NORMALIZATION : MSRA_CAFFE_NORMALIZATION;
}
