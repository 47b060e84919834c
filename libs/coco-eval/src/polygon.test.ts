import { CocoInputError } from './errors';
import { bboxToRle, polygonToRle } from './polygon';
import { decodeRle, rleArea, rleToBbox } from './rle';
import { parseSegmentation } from './segmentation';

describe('polygonToRle (maskApi.c rleFrPoly)', () => {
  it('rasterises the square (0,0)-(10,10) to pixels 0..9 × 0..9', () => {
    // Crossings on the 5× grid: the top edge gives (x, 10) and the bottom edge (x, 0) for
    // x = 0..9, i.e. run boundaries at 20x and 20x + 10 on a 20-row image, then h·w = 400.
    const r = polygonToRle([0, 0, 0, 10, 10, 10, 10, 0], 20, 20);
    expect(Array.from(r.counts)).toEqual([0, ...new Array<number>(19).fill(10), 210]);
    expect(rleArea(r)).toBe(100);
    const mask = decodeRle(r);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) expect(mask[y * 20 + x]).toBe(x < 10 && y < 10 ? 1 : 0);
  });

  it('clips to the image', () => {
    const r = polygonToRle([-5, -5, -5, 5, 5, 5, 5, -5], 10, 10);
    expect(rleArea(r)).toBe(25);
    expect(rleToBbox(r)).toEqual([0, 0, 5, 5]);
    expect(rleArea(polygonToRle([20, 20, 20, 30, 30, 30], 10, 10))).toBe(0);
  });

  it('does not depend on the winding direction', () => {
    const clockwise = polygonToRle([1, 1, 8, 2, 6, 7], 10, 10);
    const counter = polygonToRle([6, 7, 8, 2, 1, 1], 10, 10);
    expect(Array.from(counter.counts)).toEqual(Array.from(clockwise.counts));
  });

  it('bboxToRle rasterises the box corners as a polygon', () => {
    const r = bboxToRle([1, 1, 2, 2], 5, 5);
    expect(rleArea(r)).toBe(4);
    expect(rleToBbox(r)).toEqual([1, 1, 2, 2]);
  });
});

describe('parseSegmentation', () => {
  const parse = (value: unknown): unknown => parseSegmentation(value, 'gt.json', 'annotations[0] (id 5)');

  it('rejects a ring of exactly 4 numbers, which pycocotools would misread as a box', () => {
    expect(() => parse([[1, 2, 3, 4]])).toThrow(CocoInputError);
    expect(() => parse([[1, 2, 3, 4]])).toThrow(/gt\.json: annotations\[0\] \(id 5\): segmentation\[0\]: polygon ring has only 2 points .*box/);
  });

  it.each([
    [[[1, 2]], /ring has 2 numbers; rings need at least 3 points/],
    [[[0, 0, 1, 1, 2, 2, 3]], /odd number of coordinates/],
    [[[0, 0, 1, 1, 'a', 2]], /coordinate \[4\] must be a finite number/],
    [[], /empty list of polygons/],
    [[0, 0, 1, 1, 2, 2], /flat list of numbers/],
    ['polygon', /must be a list of polygons or an RLE object/],
    [{ counts: [1] }, /must be a list of polygons or an RLE object/],
    [[[0, 0, 1e9, 0, 0, 1]], /out of range/],
  ])('rejects %j', (value, message) => {
    expect(() => parse(value)).toThrow(message);
  });

  it('accepts polygons and RLE objects', () => {
    expect(parse([[0, 0, 1, 0, 1, 1]])).toMatchObject({ kind: 'polygon' });
    expect(parse({ size: [1, 1], counts: [0, 1] })).toMatchObject({ kind: 'rle' });
  });
});
