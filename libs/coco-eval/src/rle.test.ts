import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { CocoInputError } from './errors';
import { decodeRle, encodeMask, mergeRles, rleArea, rleFromJson, rleFromString, rleToBbox, rleToString, type Rle } from './rle';
import { FIXTURES_DIR } from './test-fixtures';

const rle = (height: number, width: number, counts: number[]): Rle => ({ height, width, counts: Uint32Array.from(counts) });

describe('encodeMask / decodeRle', () => {
  // rows: [0 1] [1 1] [0 0] → down column 0: 0 1 0, column 1: 1 1 0
  const mask = Uint8Array.from([0, 1, 1, 1, 0, 0]);

  it('runs go down columns, starting with zeros', () => {
    expect(Array.from(encodeMask(mask, 3, 2).counts)).toEqual([1, 1, 1, 2, 1]);
    expect(Array.from(encodeMask(Uint8Array.from([1, 1]), 1, 2).counts)).toEqual([0, 2]);
    expect(Array.from(encodeMask(new Uint8Array(4), 2, 2).counts)).toEqual([4]);
  });

  it('decodes back to the row-major mask', () => {
    expect(Array.from(decodeRle(encodeMask(mask, 3, 2)))).toEqual(Array.from(mask));
  });

  it('rejects runs that overflow the mask', () => {
    expect(() => decodeRle(rle(2, 2, [3, 3]))).toThrow(/exceed/);
  });
});

describe('compressed string form (LEB128-like, 6 bits per char from "0")', () => {
  it('encodes small counts as single characters and later counts as differences', () => {
    expect(rleToString(rle(3, 3, [0, 5, 4]))).toBe('054');
    // the 4th count is stored as 1 - 2 = -1 → 0x1f → 'O'
    expect(rleToString(rle(1, 7, [1, 2, 3, 1]))).toBe('123O');
    // 100 = 3·32 + 4: low group 4 with the continuation bit (0x24 → 'T'), then 3
    expect(rleToString(rle(10, 10, [100]))).toBe('T3');
  });

  it('round-trips', () => {
    for (const counts of [[0, 5, 4], [1, 2, 3, 1], [100], [5, 1000000, 7, 123456, 0, 3]]) {
      const original = rle(1, counts.reduce((s, c) => s + c, 0), counts);
      expect(Array.from(rleFromString(rleToString(original), 1, original.width).counts)).toEqual(counts);
    }
  });

  it('decodes and re-encodes every RLE in the COCO fixtures unchanged', () => {
    const files = [
      join(FIXTURES_DIR, 'coco_val2014_100', 'instances_val2014_fakesegm100_results.json'),
      join(FIXTURES_DIR, 'tiny_coco', 'results_segm.json'),
    ];
    let checked = 0;
    for (const file of files) {
      for (const result of JSON.parse(readFileSync(file, 'utf8')) as { segmentation: { size: [number, number]; counts: string } }[]) {
        const { size, counts } = result.segmentation;
        const decoded = rleFromString(counts, size[0], size[1]);
        expect(decoded.counts.reduce((s, c) => s + c, 0)).toBe(size[0] * size[1]);
        expect(rleToString(decoded)).toBe(counts);
        checked++;
      }
    }
    expect(checked).toBe(734 + 260);
  });

  it('rejects invalid characters and truncated strings', () => {
    expect(() => rleFromString('0~', 1, 1)).toThrow(/invalid character/);
    expect(() => rleFromString('T', 1, 1)).toThrow(/ends in the middle/);
  });
});

describe('area, bounding box, merge', () => {
  it('area sums the runs of ones', () => {
    expect(rleArea(rle(3, 2, [1, 1, 1, 2, 1]))).toBe(3);
  });

  it('bbox of runs within one column, and of a run crossing columns (full height)', () => {
    // h=4: pixels 1..2 of column 0 → x 0, y 1..2
    expect(rleToBbox(rle(4, 3, [1, 2, 9]))).toEqual([0, 1, 1, 2]);
    // pixels 2..5: column 0 rows 2-3, column 1 rows 0-1 → crosses a column: y spans the height
    expect(rleToBbox(rle(4, 3, [2, 4, 6]))).toEqual([0, 0, 2, 4]);
    expect(rleToBbox(rle(4, 3, [12]))).toEqual([0, 0, 0, 0]);
  });

  it('merges as union or intersection', () => {
    const a = encodeMask(Uint8Array.from([1, 1, 0, 0]), 2, 2); // top row
    const b = encodeMask(Uint8Array.from([1, 0, 1, 0]), 2, 2); // left column
    expect(Array.from(decodeRle(mergeRles([a, b])))).toEqual([1, 1, 1, 0]);
    expect(Array.from(decodeRle(mergeRles([a, b], true)))).toEqual([1, 0, 0, 0]);
    expect(mergeRles([a, rle(3, 3, [9])])).toEqual(rle(0, 0, []));
  });
});

describe('rleFromJson', () => {
  it('accepts compressed and uncompressed counts', () => {
    expect(Array.from(rleFromJson({ size: [2, 2], counts: [1, 2, 1] }, 'f.json', 'e').counts)).toEqual([1, 2, 1]);
    expect(Array.from(rleFromJson({ size: [2, 2], counts: '121' }, 'f.json', 'e').counts)).toEqual([1, 2, 1]);
  });

  it.each([
    [{ size: [-2, 2], counts: [4] }, /size must not be negative/],
    [{ size: [2, 2], counts: [1, 2] }, /add up to 3 pixels but size is 2×2/],
    [{ size: [2, 2], counts: [1, -3, 6] }, /counts\[1\] must be a non-negative integer/],
    [{ size: [2], counts: [4] }, /size must be \[height, width\]/],
    [{ size: [2, 2], counts: 'x~' }, /bad compressed RLE/],
  ])('rejects %j', (value, message) => {
    expect(() => rleFromJson(value, 'gt.json', 'annotations[3] (id 7)')).toThrow(CocoInputError);
    expect(() => rleFromJson(value, 'gt.json', 'annotations[3] (id 7)')).toThrow(message);
    expect(() => rleFromJson(value, 'gt.json', 'annotations[3] (id 7)')).toThrow(/^gt\.json: annotations\[3\] \(id 7\): /);
  });
});
