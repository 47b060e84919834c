import { initBackend } from '@kestrel/runtime';
import { detectorPostprocess } from './postprocess';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('detectorPostprocess', () => {
  // The model saw a 64 × 64 image; the original is 128 high and 96 wide: sx = 1.5, sy = 2.
  const detections = {
    boxes: Float32Array.from([10, 20, 30, 40, 50, 50, 70, 70, 64, 10, 70, 20]),
    scores: Float32Array.from([0.9, 0.8, 0.7]),
    labels: Int32Array.from([1, 0, 2]),
  };

  it('scales boxes per axis to the original image, clips them and drops boxes left empty', () => {
    const out = detectorPostprocess(detections, [64, 64], [128, 96]);
    // [10, 20, 30, 40] → [15, 40, 45, 80]; [50, 50, 70, 70] → [75, 100, 105, 140] clipped to 96 × 128;
    // [64, 10, 70, 20] → x from 96 to 105, clipped to [96, 96]: empty, dropped.
    expect(Array.from(out.boxes)).toEqual([15, 40, 45, 80, 75, 100, 96, 128]);
    expect(Array.from(out.scores)).toEqual([0.9, 0.8].map(Math.fround));
    expect(Array.from(out.labels)).toEqual([1, 0]);
    expect(out.imageSize).toEqual([128, 96]);
    expect(out.masks).toBeUndefined();
  });

  it('pastes each soft mask into its scaled box at the original size (threshold 0.5)', () => {
    // Detection 0: a mask of ones; detection 1: zeros; detection 2 is dropped with its box.
    const m = 4;
    const maskProbs = new Float32Array(3 * m * m);
    maskProbs.fill(1, 0, m * m);
    const out = detectorPostprocess({ ...detections, maskProbs, maskSize: m }, [64, 64], [128, 96]);
    expect(out.masks).toHaveLength(2);
    const [first, second] = out.masks!;
    expect(first!.length).toBe(128 * 96);
    // Box [15, 40, 45, 80] (30 × 40 px) onto a 4 × 4 mask of ones, grid_sample semantics
    // (align_corners false, zero padding): pixel centre x + 0.5 maps to mask coordinate
    // c = (x + 0.5 − 15)/30·4 − 0.5, and bilinear sampling of ones padded with zeros gives
    // 1 + c below 0, 4 − c above 3, 1 in between, 0 beyond; the value is separable.
    const axis = (p: number, lo: number, hi: number) => {
      const c = ((p + 0.5 - lo) / (hi - lo)) * m - 0.5;
      return c <= -1 || c >= m ? 0 : c < 0 ? 1 + c : c > m - 1 ? m - c : 1;
    };
    let count = 0;
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 96; x++) {
        const expected = axis(x, 15, 45) * axis(y, 40, 80) >= 0.5 ? 1 : 0;
        expect({ x, y, v: first![y * 96 + x] }).toEqual({ x, y, v: expected });
        count += expected;
      }
    }
    // Edges fade over half a mask cell, and a pixel passes at ≥ 0.5: x 15…44 and y 40…79 along
    // the middle, fewer near the corners.
    expect(first![60 * 96 + 15]).toBe(1);
    expect(first![60 * 96 + 14]).toBe(0);
    expect(first![40 * 96 + 30]).toBe(1);
    expect(first![40 * 96 + 15]).toBe(0);
    expect(count).toBeGreaterThan(1000);
    expect(second!.every((v) => v === 0)).toBe(true);
  });
});
