import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildImageRecords } from '../coco/records';
import { loadCocoInstances } from '../coco/load';
import { isRle, type Polygon } from '../coco/types';
import { decodeImage } from '../image/decode';
import { bitmapBox, countPixels } from '../mask/bitmap';
import { polygonArea, segmentationToBitmap } from '../mask/polygon';
import { ensureShapesDataset, generateShapesDataset, shapesCacheKey, type ShapesDatasetOptions } from './generate';

const SMALL: ShapesDatasetOptions = { seed: 7, trainImages: 10, valImages: 4, imageSize: 128, crowdProbability: 0.3 };

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out;
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'kestrel-shapes-'));

describe('synthetic shapes dataset', () => {
  let first: string;
  beforeAll(async () => {
    first = tempDir();
    await generateShapesDataset(first, SMALL);
  });

  it('is byte-identical for the same seed, and differs for another', async () => {
    const second = tempDir();
    await generateShapesDataset(second, SMALL);
    const files = listFiles(first);
    expect(files).toHaveLength(2 + 10 + 4);
    expect(listFiles(second)).toEqual(files);
    for (const file of files) expect(readFileSync(join(second, file)).equals(readFileSync(join(first, file)))).toBe(true);

    const other = tempDir();
    await generateShapesDataset(other, { ...SMALL, seed: 8, trainImages: 1, valImages: 0 });
    expect(readFileSync(join(other, 'train', '000001.png')).equals(readFileSync(join(first, 'train', '000001.png')))).toBe(false);
  });

  it('loads through the COCO validator, with every category, crowds and both mask kinds', async () => {
    const train = await loadCocoInstances(join(first, 'annotations', 'instances_train.json'));
    const val = await loadCocoInstances(join(first, 'annotations', 'instances_val.json'));
    expect(train.categories.names).toEqual(['circle', 'square', 'triangle', 'star', 'ring']);
    expect(train.dataset.images).toHaveLength(10);
    expect(val.dataset.images).toHaveLength(4);
    const anns = [...train.dataset.annotations, ...val.dataset.annotations];
    expect(anns.some((a) => a.iscrowd === 1 && isRle(a.segmentation!))).toBe(true);
    expect(anns.some((a) => a.iscrowd === 0 && !isRle(a.segmentation!))).toBe(true);
    expect(anns.some((a) => a.iscrowd === 0 && isRle(a.segmentation!))).toBe(true);
    expect(buildImageRecords(train).length).toBeGreaterThan(0);
  });

  it('annotations are exact: area, box and mask are the pixels painted in the object colour', async () => {
    for (const split of ['train', 'val'] as const) {
      const instances = await loadCocoInstances(join(first, 'annotations', `instances_${split}.json`));
      for (const image of instances.dataset.images) {
        const pixels = await decodeImage(join(first, split), image.file_name);
        const colorAt = (p: number): string => `${pixels.data[3 * p]},${pixels.data[3 * p + 1]},${pixels.data[3 * p + 2]}`;
        for (const ann of instances.dataset.annotations.filter((a) => a.image_id === image.id)) {
          const mask = segmentationToBitmap(ann.segmentation!, image.height, image.width);
          const where = `${split} image ${image.id} annotation ${ann.id}`;
          expect([where, countPixels(mask)]).toEqual([where, ann.area]);
          const box = bitmapBox(mask)!;
          expect([where, [box[0], box[1], box[2] - box[0], box[3] - box[1]]]).toEqual([where, ann.bbox]);
          // One colour covers the mask, and that colour appears nowhere else in the image.
          const colors = new Set<string>();
          for (let p = 0; p < mask.data.length; p++) if (mask.data[p]) colors.add(colorAt(p));
          expect([where, colors.size]).toEqual([where, 1]);
          const [color] = [...colors];
          let painted = 0;
          for (let p = 0; p < mask.data.length; p++) if (colorAt(p) === color) painted++;
          expect([where, painted]).toEqual([where, ann.area]);
          // First principles for whole polygons: the pixel count is the geometric area up to
          // rasterisation error along the outline.
          if (!isRle(ann.segmentation!)) {
            const polygon = (ann.segmentation as Polygon[])[0]!;
            let perimeter = 0;
            for (let i = 0; i < polygon.length; i += 2) {
              const j = (i + 2) % polygon.length;
              perimeter += Math.hypot(polygon[j]! - polygon[i]!, polygon[j + 1]! - polygon[i + 1]!);
            }
            expect(Math.abs(ann.area! - polygonArea(polygon))).toBeLessThanOrEqual(0.5 * perimeter + 1);
          }
        }
      }
    }
  });

  it('spans COCO small, medium and large areas at the default size', async () => {
    const dir = tempDir();
    await generateShapesDataset(dir, { seed: 1, trainImages: 25, valImages: 0 });
    const { dataset } = await loadCocoInstances(join(dir, 'annotations', 'instances_train.json'));
    const areas = dataset.annotations.filter((a) => !a.iscrowd).map((a) => a.area!);
    expect(areas.filter((a) => a < 32 ** 2).length).toBeGreaterThan(10);
    expect(areas.filter((a) => a >= 32 ** 2 && a < 96 ** 2).length).toBeGreaterThan(10);
    expect(areas.filter((a) => a >= 96 ** 2).length).toBeGreaterThan(2);
  });

  it('generates into a cache folder on first use only', async () => {
    const cache = tempDir();
    const options = { ...SMALL, trainImages: 2, valImages: 1 };
    const made = await ensureShapesDataset(cache, options);
    expect(made.generated).toBe(true);
    expect(made.root).toBe(join(cache, shapesCacheKey(options)));
    const again = await ensureShapesDataset(cache, options);
    expect(again.generated).toBe(false);
    expect(readdirSync(cache)).toEqual([shapesCacheKey(options)]);
    expect(readFileSync(again.train.annotations).equals(readFileSync(join(first, 'annotations', 'instances_train.json')))).toBe(false);
  });

  it('rejects bad options with the option name', async () => {
    await expect(generateShapesDataset(tempDir(), { imageSize: 8 })).rejects.toThrow('imageSize: expected an integer >= 32, got 8');
    await expect(generateShapesDataset(tempDir(), { crowdProbability: 2 })).rejects.toThrow('crowdProbability: expected a number in [0, 1], got 2');
  });
});
