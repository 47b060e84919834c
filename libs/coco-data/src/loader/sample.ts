import type { ImageRecord } from '../coco/records';
import { decodeImage, type ImageDecodeOptions } from '../image/decode';
import type { AugmentationPlan } from '../transforms/augment';
import type { Sample } from '../transforms/batch';
import { transformInstances } from '../transforms/instances';

/** Decodes one record's image with `plan` applied by sharp and transforms its annotations to match. */
export async function loadSample(
  record: ImageRecord,
  imagesRoot: string,
  plan: AugmentationPlan,
  decode: ImageDecodeOptions = {},
): Promise<Sample> {
  const image = await decodeImage(imagesRoot, record.fileName, {
    ...decode,
    expectedSize: { height: record.height, width: record.width },
    resizeTo: { height: plan.height, width: plan.width },
    flip: plan.flip,
  });
  return {
    imageId: record.imageId,
    fileName: record.fileName,
    originalSize: [record.height, record.width],
    image,
    scale: [plan.height / record.height, plan.width / record.width],
    flipped: plan.flip,
    targets: transformInstances(record, plan),
  };
}
