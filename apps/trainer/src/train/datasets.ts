/**
 * The run's data: the built-in shapes dataset (generated into the cache on first use) or COCO
 * files from the config, loaded and validated once.
 */
import { buildImageRecords, ensureShapesDataset, loadCocoInstances, type CocoInstances, type ImageRecord } from '@kestrel/coco-data';
import type { Logger } from '@kestrel/logging';
import type { DataConfig, SplitPaths } from '../config/train-config';

export interface RunData {
  train: SplitPaths;
  val: SplitPaths;
  trainInstances: CocoInstances;
  valInstances: CocoInstances;
  /** Training images (images with only crowd annotations dropped, as detectron2 does). */
  trainRecords: ImageRecord[];
  /** Validation images, all of them (or the first `maxValImages`). */
  valRecords: ImageRecord[];
}

export async function prepareData(data: DataConfig, numClasses: number, logger: Logger): Promise<RunData> {
  let train: SplitPaths;
  let val: SplitPaths;
  if (data.dataset === 'shapes') {
    const started = performance.now();
    const shapes = await ensureShapesDataset(data.cacheDir, data.shapes);
    if (shapes.generated) logger.info({ root: shapes.root, seconds: (performance.now() - started) / 1000 }, `generated the built-in shapes dataset in ${shapes.root}`);
    else logger.info({ root: shapes.root }, `using the cached shapes dataset ${shapes.root}`);
    ({ train, val } = shapes);
  } else {
    train = data.train!;
    val = data.val!;
  }
  const [trainInstances, valInstances] = await Promise.all([loadCocoInstances(train.annotations), loadCocoInstances(val.annotations)]);
  for (const [split, instances] of [['train', trainInstances], ['val', valInstances]] as const) {
    if (instances.categories.size !== numClasses) {
      throw new Error(`${instances.file}: has ${instances.categories.size} categories but model.numClasses is ${numClasses}`);
    }
    if (split === 'val' && instances.categories.categoryIds.join() !== trainInstances.categories.categoryIds.join()) {
      throw new Error(`${instances.file}: category ids ${instances.categories.categoryIds.join(', ')} differ from the training split's (${train.annotations})`);
    }
  }
  const trainRecords = buildImageRecords(trainInstances);
  if (trainRecords.length === 0) throw new Error(`${train.annotations}: no image has a non-crowd annotation to train on`);
  let valRecords = buildImageRecords(valInstances, { skipImagesWithoutAnnotations: false });
  if (data.maxValImages !== null) valRecords = valRecords.slice(0, data.maxValImages);
  logger.info({ train: trainRecords.length, val: valRecords.length, classes: numClasses }, `data: ${trainRecords.length} training images, ${valRecords.length} validation images`);
  return { train, val, trainInstances, valInstances, trainRecords, valRecords };
}
