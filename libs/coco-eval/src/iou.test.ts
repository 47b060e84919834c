import { boxIou, bboxIouMatrix, rleIou, type RleTable } from './iou';
import { encodeMask, rleToBbox, type Rle } from './rle';

function table(rles: Rle[]): RleTable {
  const start = new Int32Array(rles.length + 1);
  rles.forEach((r, i) => (start[i + 1] = start[i]! + r.counts.length));
  const counts = new Uint32Array(start[rles.length]!);
  rles.forEach((r, i) => counts.set(r.counts, start[i]!));
  return {
    height: Int32Array.from(rles.map((r) => r.height)),
    width: Int32Array.from(rles.map((r) => r.width)),
    start,
    counts,
    box: Float64Array.from(rles.flatMap((r) => rleToBbox(r))),
  };
}

describe('box IoU', () => {
  it('is intersection over union, and intersection over the detection area for crowds', () => {
    expect(boxIou([0, 0, 10, 10], 0, [5, 0, 10, 10], 0, false)).toBe(50 / 150);
    expect(boxIou([0, 0, 10, 10], 0, [5, 0, 10, 10], 0, true)).toBe(50 / 100);
    expect(boxIou([0, 0, 10, 10], 0, [10, 0, 10, 10], 0, false)).toBe(0); // touching
    expect(boxIou([0, 0, 10, 10], 0, [20, 20, 1, 1], 0, false)).toBe(0);
  });

  it('fills a detections × ground truths matrix', () => {
    const m = bboxIouMatrix([0, 0, 10, 10, 5, 0, 10, 10], [0, 0, 10, 10], [0]);
    expect(Array.from(m)).toEqual([1, 50 / 150]);
  });
});

describe('mask IoU on runs', () => {
  const image = (rows: number[][]): Rle => encodeMask(rows.flat(), rows.length, rows[0]!.length);
  const a = image([
    [1, 1, 0],
    [1, 1, 0],
    [0, 0, 0],
  ]);
  const b = image([
    [0, 1, 1],
    [0, 1, 1],
    [0, 0, 0],
  ]);

  it('is intersection over union; for a crowd ground truth, over the detection area', () => {
    const dts = table([a]);
    const gts = table([b]);
    expect(rleIou(dts, 0, gts, 0, false)).toBe(2 / 6);
    expect(rleIou(dts, 0, gts, 0, true)).toBe(2 / 4);
  });

  it('is -1 for masks of different sizes whose boxes overlap, 0 when boxes do not', () => {
    const other = image([
      [1, 1],
      [1, 1],
    ]);
    expect(rleIou(table([a]), 0, table([other]), 0, false)).toBe(-1);
    const far = image([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 1],
    ]);
    expect(rleIou(table([a]), 0, table([far]), 0, false)).toBe(0);
  });
});
