import { buildCropDataset, channelStats, cropObject } from './data';

describe('cropObject', () => {
  it('samples a box, with its margin, onto the crop grid', () => {
    // 8×8 image: left half 0, right half 200 (all channels).
    const data = new Uint8Array(8 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 4; x < 8; x++) data.fill(200, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
    const out = new Float32Array(4 * 4 * 3);
    cropObject({ data, width: 8, height: 8 }, [0, 0, 8, 8], 4, 0, out, 0);
    // Each output pixel averages a 2×2 source block; the boundary at x=4 falls between columns 1 and 2.
    const row = [0, 1, 2, 3].map((i) => out[i * 3]!);
    expect(row[0]).toBeCloseTo(0, 5);
    expect(row[1]).toBeCloseTo(0, 5);
    expect(row[2]).toBeCloseTo(200, 5);
    expect(row[3]).toBeCloseTo(200, 5);
  });

  it('clamps samples outside the image to the edge', () => {
    const data = new Uint8Array(4 * 4 * 3).fill(50);
    const out = new Float32Array(2 * 2 * 3);
    cropObject({ data, width: 4, height: 4 }, [3, 3, 1, 1], 2, 3, out, 0); // a 4 px crop around the corner pixel
    for (const v of out) expect(v).toBeCloseTo(50, 5);
  });
});

describe('buildCropDataset', () => {
  const data = buildCropDataset({ trainScenes: 12, valScenes: 6, cropSize: 12 });

  it('returns labelled crops of the five shapes', () => {
    expect(data.classNames).toEqual(['circle', 'square', 'triangle', 'star', 'ring']);
    expect(data.train.count).toBeGreaterThan(12);
    expect(data.train.images.length).toBe(data.train.count * 12 * 12 * 3);
    expect(data.val.images.length).toBe(data.val.count * 12 * 12 * 3);
    for (const l of [...data.train.labels, ...data.val.labels]) expect(l >= 0 && l < 5).toBe(true);
  });

  it('normalizes the training crops to zero mean and unit variance per channel', () => {
    const { mean, std } = channelStats(data.train.images);
    for (let c = 0; c < 3; c++) {
      expect(mean[c]).toBeCloseTo(0, 4);
      expect(std[c]).toBeCloseTo(1, 4);
    }
  });

  it('is a function of the options', () => {
    const again = buildCropDataset({ trainScenes: 12, valScenes: 6, cropSize: 12 });
    expect(again.train.labels).toEqual(data.train.labels);
    expect(again.train.images).toEqual(data.train.images);
  });

  it('rejects bad options', () => {
    expect(() => buildCropDataset({ cropSize: 0 })).toThrow(/cropSize/);
  });
});
