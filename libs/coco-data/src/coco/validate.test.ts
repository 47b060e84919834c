import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CocoFormatError } from '../errors';
import { loadCocoInstances, parseCocoInstances } from './load';

const FILE = 'fixtures/instances.json';

/** A small valid dataset; each case below breaks one thing. */
function validDataset(): any {
  return {
    images: [
      { id: 1, file_name: 'a.jpg', width: 40, height: 30 },
      { id: 2, file_name: 'b.jpg', width: 20, height: 20 },
    ],
    categories: [
      { id: 3, name: 'cat' },
      { id: 7, name: 'dog' },
    ],
    annotations: [
      { id: 10, image_id: 1, category_id: 3, bbox: [1, 2, 10, 5], area: 50, iscrowd: 0, segmentation: [[1, 2, 11, 2, 11, 7, 1, 7]] },
      { id: 11, image_id: 2, category_id: 7, bbox: [0, 0, 4, 4], area: 16, iscrowd: 1, segmentation: { size: [20, 20], counts: [0, 4, 16, 4, 376] } },
    ],
  };
}

type Case = [name: string, mutate: (d: any) => unknown, expected: RegExp];

const cases: Case[] = [
  ['root is not an object', () => [], /top level: "\(root\)": expected a JSON object/],
  ['missing images', (d) => void delete d.images, /top level: "images": expected an array of images, got nothing \(field missing\)/],
  ['annotations is not a list', (d) => void (d.annotations = {}), /"annotations": expected an array of annotations, got \{\}/],
  ['image without id', (d) => void delete d.images[0].id, /images\[0\]: "id": expected an integer image id/],
  ['duplicate image id', (d) => void (d.images[1].id = 1), /image 1: "id": expected a unique image id/],
  ['zero image width', (d) => void (d.images[0].width = 0), /image 1: "width": expected a positive integer number of pixels, got 0/],
  ['empty file_name', (d) => void (d.images[1].file_name = ''), /image 2: "file_name": expected a non-empty relative path/],
  ['no categories', (d) => void (d.categories = []), /"categories": expected at least one category/],
  ['duplicate category id', (d) => void (d.categories[1].id = 3), /category 3: "id": expected a unique category id/],
  ['duplicate category name', (d) => void (d.categories[1].name = 'cat'), /category 7: "name": expected a unique category name/],
  ['bbox with 3 numbers', (d) => void (d.annotations[0].bbox = [1, 2, 3]), /annotation 10 \(image 1\): "bbox": expected 4 finite numbers \[x, y, width, height\], got \[1,2,3\]/],
  ['bbox with a null', (d) => void (d.annotations[0].bbox = [1, 2, null, 4]), /annotation 10 \(image 1\): "bbox": expected 4 finite numbers/],
  ['bbox with a string', (d) => void (d.annotations[0].bbox = [1, '2', 3, 4]), /annotation 10 \(image 1\): "bbox": expected 4 finite numbers/],
  ['negative bbox width', (d) => void (d.annotations[0].bbox = [1, 2, -3, 4]), /annotation 10 \(image 1\): "bbox": expected a positive width and height, got \[1,2,-3,4\]/],
  ['zero bbox height', (d) => void (d.annotations[0].bbox = [1, 2, 3, 0]), /annotation 10 \(image 1\): "bbox": expected a positive width and height/],
  ['unknown category', (d) => void (d.annotations[0].category_id = 99), /annotation 10 \(image 1\): "category_id": expected the id of a category listed in "categories", got 99/],
  ['unknown image', (d) => void (d.annotations[0].image_id = 42), /annotation 10 \(image 42\): "image_id": expected the id of an image listed in "images", got 42/],
  ['duplicate annotation id', (d) => void (d.annotations[1].id = 10), /annotation 10 \(image 2\): "id": expected a unique annotation id/],
  ['annotation without id', (d) => void delete d.annotations[1].id, /annotations\[1\]: "id": expected an annotation object with an integer id/],
  ['segmentation neither polygon nor RLE', (d) => void (d.annotations[0].segmentation = { points: [] }), /annotation 10 \(image 1\): "segmentation": expected a list of polygons .* or an RLE object/],
  ['segmentation is a string', (d) => void (d.annotations[0].segmentation = 'abc'), /"segmentation": expected a list of polygons/],
  ['polygon of odd length', (d) => void (d.annotations[0].segmentation = [[1, 2, 3, 4, 5, 6, 7]]), /annotation 10 \(image 1\): "segmentation\[0\]": expected a polygon: an even-length list of finite numbers/],
  ['polygon with a string', (d) => void (d.annotations[0].segmentation = [[1, 2, 3, 4, 5, 'x']]), /"segmentation\[0\]": expected a polygon/],
  ['polygon not a list', (d) => void (d.annotations[0].segmentation = [[1, 2, 3, 4, 5, 6], 7]), /"segmentation\[1\]": expected a polygon/],
  ['RLE size differs from the image', (d) => void (d.annotations[1].segmentation.size = [20, 21]), /annotation 11 \(image 2\): "segmentation.size": expected the image size \[20, 20\]/],
  ['RLE runs do not cover the image', (d) => void (d.annotations[1].segmentation.counts = [0, 4, 16]), /"segmentation.counts": expected run lengths summing to height × width = 400, got "runs summing to 20"/],
  ['RLE negative run', (d) => void (d.annotations[1].segmentation.counts = [0, -4, 404]), /"segmentation.counts": expected RLE run lengths as non-negative integers/],
  ['RLE string with bad characters', (d) => void (d.annotations[1].segmentation.counts = 'ab~'), /"segmentation.counts": expected a compressed RLE string/],
  ['RLE string not covering the image', (d) => void (d.annotations[1].segmentation.counts = '04'), /"segmentation.counts": expected a compressed RLE string of runs summing to height × width = 400/],
  ['iscrowd out of range', (d) => void (d.annotations[0].iscrowd = 2), /annotation 10 \(image 1\): "iscrowd": expected 0 or 1, got 2/],
  ['negative area', (d) => void (d.annotations[0].area = -1), /annotation 10 \(image 1\): "area": expected a finite number >= 0, got -1/],
];

describe('COCO validation: malformed inputs', () => {
  it.each(cases)('%s', (_name, mutate, expected) => {
    const dataset = validDataset();
    const replaced = mutate(dataset);
    const input = replaced === undefined ? dataset : replaced;
    let caught: unknown;
    try {
      parseCocoInstances(input, FILE);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CocoFormatError);
    const message = (caught as Error).message;
    expect(message).toMatch(expected);
    expect(message).toContain(FILE);
  });

  it('accepts the valid dataset and maps categories both ways', () => {
    const { categories, dataset } = parseCocoInstances(validDataset(), FILE);
    expect(dataset.annotations).toHaveLength(2);
    expect(categories.size).toBe(2);
    expect(categories.labelOf(3)).toBe(0);
    expect(categories.labelOf(7)).toBe(1);
    expect(categories.categoryIdOf(1)).toBe(7);
    expect(categories.nameOf(0)).toBe('cat');
    expect(() => categories.labelOf(5)).toThrow(/unknown COCO category id 5; known ids: 3, 7/);
    expect(() => categories.categoryIdOf(2)).toThrow(/label 2 out of range/);
  });

  it('reports every problem at once, counting those not shown', () => {
    const d = validDataset();
    for (let i = 0; i < 12; i++) d.annotations.push({ id: 100 + i, image_id: 1, category_id: 3, bbox: [0, 0, -1, 1] });
    const error = (() => {
      try {
        parseCocoInstances(d, FILE);
      } catch (e) {
        return e as CocoFormatError;
      }
      throw new Error('expected a CocoFormatError');
    })();
    expect(error.issues).toHaveLength(12);
    expect(error.message).toMatch(/12 problems in the COCO file/);
    expect(error.message).toMatch(/… and 2 more problems/);
  });

  it('drops malformed annotations instead when asked to, and reports them', () => {
    const d = validDataset();
    d.annotations[0].bbox = [1, 2, 0, 5];
    const result = parseCocoInstances(d, FILE, { onInvalidAnnotation: 'skip' });
    expect(result.dataset.annotations.map((a) => a.id)).toEqual([11]);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]).toMatchObject({ where: 'annotation 10 (image 1)', field: 'bbox' });
  });

  it('drops polygons with fewer than 3 points as detectron2 does', () => {
    const d = validDataset();
    d.annotations[0].segmentation = [[1, 2, 3, 4], [1, 2, 11, 2, 11, 7]];
    const result = parseCocoInstances(d, FILE);
    expect(result.droppedPolygons).toBe(1);
    expect(result.dataset.annotations[0]!.segmentation).toEqual([[1, 2, 11, 2, 11, 7]]);
  });
});

describe('loadCocoInstances: file problems', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kestrel-coco-'));

  it('names a missing file', async () => {
    const file = join(dir, 'missing.json');
    await expect(loadCocoInstances(file)).rejects.toThrow(`${file}: cannot read COCO annotations: file not found`);
  });

  it('names a file that is not JSON', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"images": [');
    await expect(loadCocoInstances(file)).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: top level: "\\(root\\)": expected valid JSON`));
  });
});
