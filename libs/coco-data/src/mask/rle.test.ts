import { countPixels } from './bitmap';
import { decodeRle, encodeRle, rleArea, rleCountsFromString, rleCountsToString } from './rle';

describe('RLE', () => {
  // Worked by hand from the format: 5 bits per character + 48, bit 5 = "more", counts after the
  // second are stored as the difference to the count two places back.
  it.each([
    [[0, 4], '04'],
    [[5, 40], '5X1'], // 40 = 8 + 1·32 → (8 | 0x20) + 48 = 'X', then 1 + 48 = '1'
    [[2, 3, 10, 1], '23:N'], // 1 − 3 = −2 → low 5 bits 30, sign bit set, no more → 'N'
  ])('encodes %j as %s and back', (counts, text) => {
    expect(rleCountsToString(counts)).toBe(text);
    expect(rleCountsFromString(text)).toEqual(counts);
  });

  it('round-trips long counts through the string form', () => {
    const counts = [0, 1, 31, 32, 33, 1000, 5, 70000, 3, 2, 1];
    expect(rleCountsFromString(rleCountsToString(counts))).toEqual(counts);
  });

  it('decodes column-major runs into a row-major bitmap', () => {
    // 3×2 mask (h=3, w=2); column-major runs: 1 zero, 3 ones, 2 zeros.
    // column 0 = [0,1,1], column 1 = [1,0,0]
    const bitmap = decodeRle({ size: [3, 2], counts: [1, 3, 2] });
    expect(Array.from(bitmap.data)).toEqual([0, 1, 1, 0, 1, 0]);
    expect(countPixels(bitmap)).toBe(3);
    expect(rleArea({ size: [3, 2], counts: [1, 3, 2] })).toBe(3);
    expect(encodeRle(bitmap)).toEqual({ size: [3, 2], counts: [1, 3, 2] });
  });

  it('starts with a zero-length run when the first pixel is set', () => {
    const bitmap = { height: 2, width: 2, data: Uint8Array.from([1, 0, 1, 0]) };
    expect(encodeRle(bitmap).counts).toEqual([0, 2, 2]);
  });

  it('rejects runs that do not cover the mask and malformed strings', () => {
    expect(() => decodeRle({ size: [2, 2], counts: [1, 2] })).toThrow('RLE runs sum to 3, expected height × width = 4');
    expect(() => rleCountsFromString('0X')).toThrow('ends in the middle of a count');
  });
});
