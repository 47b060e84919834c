/** Pictures of predictions on validation images (boxes, class, score and masks), for the report. */
import { join } from 'node:path';
import { decodeImage, drawInstances, writePng, type DrawItem, type ImageRecord } from '@kestrel/coco-data';
import type { Detections } from '@kestrel/detectors';

export interface OverlayOptions {
  imagesRoot: string;
  /** Class names by contiguous label. */
  classNames: readonly string[];
  outDir: string;
  /** Detections below this score are not drawn. Default 0.5. */
  minScore?: number;
}

/** Writes `<outDir>/<image id>.png` per image; returns the paths. */
export async function writePredictionOverlays(records: readonly ImageRecord[], detections: ReadonlyMap<number, Detections>, options: OverlayOptions): Promise<string[]> {
  const minScore = options.minScore ?? 0.5;
  const written: string[] = [];
  for (const record of records) {
    const d = detections.get(record.imageId);
    if (!d) continue;
    const image = await decodeImage(options.imagesRoot, record.fileName);
    const [height, width] = d.imageSize;
    const items: DrawItem[] = [];
    for (let k = 0; k < d.scores.length; k++) {
      if (d.scores[k]! < minScore) continue;
      const label = d.labels[k]!;
      items.push({
        box: d.boxes.subarray(4 * k, 4 * k + 4),
        label: options.classNames[label] ?? String(label),
        score: d.scores[k]!,
        colorKey: label,
        mask: d.masks?.[k] ? { height, width, data: d.masks[k]! } : null,
      });
    }
    const file = join(options.outDir, `${record.imageId}.png`);
    await writePng(file, drawInstances(image, items));
    written.push(file);
  }
  return written;
}
