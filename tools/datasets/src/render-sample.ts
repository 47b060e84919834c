/**
 * Draws ground truth over a few synthetic shapes images into one PNG (the picture in
 * libs/coco-data/README.md):
 *   tsx tools/datasets/src/render-sample.ts [--out libs/coco-data/docs/shapes-sample.png] [--seed 0]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import {
  buildImageRecords,
  decodeImage,
  drawInstances,
  generateShapesDataset,
  loadCocoInstances,
  segmentationToBitmap,
  targetsToDrawItems,
  transformInstances,
  type DrawItem,
  type RgbImage,
} from '@kestrel/coco-data';
import { createLogger } from '@kestrel/logging';

const COLUMNS = 3;
const ROWS = 2;
const GAP = 4;

function argValue(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const arg = argv[i] as string;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (argv[i + 1] ?? fallback);
}

function paste(canvas: RgbImage, tile: RgbImage, left: number, top: number): void {
  for (let y = 0; y < tile.height; y++) {
    canvas.data.set(tile.data.subarray(y * tile.width * 3, (y + 1) * tile.width * 3), ((top + y) * canvas.width + left) * 3);
  }
}

async function main(): Promise<void> {
  const log = createLogger('datasets');
  const out = resolve(argValue('out', 'libs/coco-data/docs/shapes-sample.png'));
  const seed = Number(argValue('seed', '0'));
  const size = 256;
  const work = mkdtempSync(join(tmpdir(), 'kestrel-sample-'));
  try {
    // The first images of the default dataset for this seed (images depend only on seed + index);
    // 24 of them, so that (at the default crowd probability 0.1) one with a crowd is very likely.
    const paths = await generateShapesDataset(work, { seed, trainImages: 24, valImages: 0, imageSize: size });
    const instances = await loadCocoInstances(paths.train.annotations);
    const records = buildImageRecords(instances, { skipImagesWithoutAnnotations: false });
    // Prefer images that show a crowd region and a ring.
    const ringId = instances.categories.categoryIds[instances.categories.names.indexOf('ring')];
    const score = (r: (typeof records)[number]): number =>
      (r.crowds.length > 0 ? 2 : 0) + (r.instances.some((i) => i.categoryId === ringId) ? 1 : 0) + r.instances.length / 100;
    const chosen = [...records].sort((a, b) => score(b) - score(a) || a.imageId - b.imageId).slice(0, COLUMNS * ROWS);
    chosen.sort((a, b) => a.imageId - b.imageId);

    const canvas: RgbImage = {
      width: COLUMNS * size + (COLUMNS - 1) * GAP,
      height: ROWS * size + (ROWS - 1) * GAP,
      data: new Uint8Array((COLUMNS * size + (COLUMNS - 1) * GAP) * (ROWS * size + (ROWS - 1) * GAP) * 3).fill(255),
    };
    for (const [n, record] of chosen.entries()) {
      const image = await decodeImage(paths.train.images, record.fileName);
      const identity = { sourceHeight: size, sourceWidth: size, height: size, width: size, flip: false };
      const items: DrawItem[] = targetsToDrawItems(transformInstances(record, identity), size, size, instances.categories.names);
      for (const crowd of record.crowds) {
        items.push({
          box: crowd.box,
          label: `${instances.categories.names[crowd.label]} crowd`,
          colorKey: crowd.label,
          ...(crowd.segmentation ? { mask: segmentationToBitmap(crowd.segmentation, size, size) } : {}),
        });
      }
      paste(canvas, drawInstances(image, items, { lineWidth: 1 }), (n % COLUMNS) * (size + GAP), Math.floor(n / COLUMNS) * (size + GAP));
    }
    // Palette PNG: a fraction of the size of a truecolour one, which matters for a picture in git.
    await mkdir(dirname(out), { recursive: true });
    await sharp(canvas.data, { raw: { width: canvas.width, height: canvas.height, channels: 3 } })
      .png({ palette: true, colours: 256, effort: 10, compressionLevel: 9 })
      .toFile(out);
    log.info({ out, images: chosen.map((r) => r.fileName) }, 'wrote sample picture');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  createLogger('datasets').error({ err: error }, (error as Error).message);
  process.exitCode = 1;
});
