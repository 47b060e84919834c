import { CropStream, gatherCrops } from './sampler';

describe('CropStream', () => {
  it('gives the same sequence whatever the batch grouping', () => {
    const a = new CropStream(10, 7);
    const b = new CropStream(10, 7);
    const ones = Array.from({ length: 24 }, () => a.next(1)[0]!);
    const fours = Array.from({ length: 6 }, () => b.next(4)).flat();
    expect(fours).toEqual(ones);
  });

  it('visits every crop once per epoch and reshuffles between epochs', () => {
    const s = new CropStream(20, 1);
    const first = s.next(20).map((c) => c.index);
    const second = s.next(20).map((c) => c.index);
    expect([...first].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect([...second].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(second).not.toEqual(first);
  });

  it('depends on the seed', () => {
    expect(new CropStream(50, 1).next(50)).not.toEqual(new CropStream(50, 2).next(50));
  });
});

describe('gatherCrops', () => {
  it('copies crops and mirrors flipped ones', () => {
    // Two 2×2 RGB crops; pixel value = 100·crop + 10·(y·2 + x) + channel.
    const images = new Float32Array(2 * 2 * 2 * 3);
    for (let c = 0; c < 2; c++) for (let p = 0; p < 4; p++) for (let ch = 0; ch < 3; ch++) images[c * 12 + p * 3 + ch] = 100 * c + 10 * p + ch;
    const out = gatherCrops(images, 2, [
      { index: 1, flip: false },
      { index: 0, flip: true },
    ]);
    expect(Array.from(out.subarray(0, 12))).toEqual(Array.from(images.subarray(12, 24)));
    // Flipped crop 0: row 0 is (x=1, x=0), row 1 is (x=3, x=2).
    expect(Array.from(out.subarray(12, 24))).toEqual([10, 11, 12, 0, 1, 2, 30, 31, 32, 20, 21, 22]);
  });
});
