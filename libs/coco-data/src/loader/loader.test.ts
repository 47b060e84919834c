import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { buildImageRecords, type ImageRecord } from '../coco/records';
import { loadCocoInstances } from '../coco/load';
import { describeWithTinyCoco, TINY_COCO } from '../test-support/shared-data';
import type { Batch } from '../transforms/batch';
import { BatchPlanner } from './batch-planner';
import { CocoLoader, type CocoLoaderOptions } from './loader';

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
});

/** Records of a fake dataset: `landscape` wide images then `portrait` tall ones. */
function fakeRecords(landscape: number, portrait: number): { imageId: number; width: number; height: number }[] {
  return [
    ...Array.from({ length: landscape }, (_, i) => ({ imageId: i + 1, width: 640, height: 480 })),
    ...Array.from({ length: portrait }, (_, i) => ({ imageId: landscape + i + 1, width: 480, height: 640 })),
  ];
}

describe('BatchPlanner', () => {
  it('is a pure function of the seed, and the seed matters', () => {
    const run = (seed: number): number[][] => {
      const planner = new BatchPlanner(fakeRecords(7, 5), { mode: 'train', batchSize: 2, seed });
      return Array.from({ length: 10 }, () => planner.next()!.map((i) => i.index));
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('groups by orientation and visits every image once per epoch', () => {
    const records = fakeRecords(7, 5);
    const planner = new BatchPlanner(records, { mode: 'train', batchSize: 2, seed: 1 });
    const seen = new Map<number, number[]>();
    for (let b = 0; b < 30; b++) {
      const batch = planner.next()!;
      const wide = batch.map((i) => records[i.index]!.width > records[i.index]!.height);
      expect(new Set(wide).size).toBe(1);
      for (const item of batch) seen.set(item.epoch, [...(seen.get(item.epoch) ?? []), item.index]);
    }
    for (const bucket of planner.state().buckets) for (const item of bucket) seen.get(item.epoch)!.push(item.index);
    // Epochs 0..3 are complete by now (60 items emitted from a 12-image dataset).
    for (let epoch = 0; epoch < 4; epoch++) expect([...seen.get(epoch)!].sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
  });

  it('batches consecutive items without grouping, and one ordered pass in test mode', () => {
    const train = new BatchPlanner(fakeRecords(3, 3), { mode: 'train', batchSize: 4, seed: 0, aspectRatioGrouping: false, shuffle: false });
    expect(train.next()!.map((i) => i.index)).toEqual([0, 1, 2, 3]);
    expect(train.next()!.map((i) => [i.index, i.epoch])).toEqual([[4, 0], [5, 0], [0, 1], [1, 1]]);
    const test = new BatchPlanner(fakeRecords(3, 2), { mode: 'test', batchSize: 2, seed: 0 });
    expect([test.next(), test.next(), test.next(), test.next()].map((b) => b?.map((i) => i.index) ?? null)).toEqual([[0, 1], [2, 3], [4], null]);
  });

  it('restores exactly, and refuses a state from other data or settings', () => {
    const records = fakeRecords(7, 5);
    const a = new BatchPlanner(records, { mode: 'train', batchSize: 3, seed: 9 });
    for (let i = 0; i < 5; i++) a.next();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const expected = Array.from({ length: 8 }, () => a.next());
    const b = new BatchPlanner(records, { mode: 'train', batchSize: 3, seed: 9 });
    b.restore(saved);
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(expected);
    expect(() => new BatchPlanner(records, { mode: 'train', batchSize: 3, seed: 8 }).restore(saved)).toThrow(/saved with seed 9, this loader has 8/);
    expect(() => new BatchPlanner(fakeRecords(7, 4), { mode: 'train', batchSize: 3, seed: 9 }).restore(saved)).toThrow(/saved with a dataset of "12 images/);
  });
});

describeWithTinyCoco('CocoLoader on tiny-coco', () => {
  let records: ImageRecord[];
  const options: CocoLoaderOptions = {
    imagesRoot: TINY_COCO.images,
    batchSize: 2,
    seed: 5,
    augmentation: { shortEdge: [96, 128], maxSize: 200, flipProbability: 0.5 },
  };
  beforeAll(async () => {
    records = buildImageRecords(await loadCocoInstances(TINY_COCO.annotations));
  });

  interface Seen {
    ids: number[];
    flipped: boolean[];
    sizes: [number, number][];
    checksum: number;
    firstBox: number[];
  }
  async function take(loader: CocoLoader, n: number): Promise<Seen[]> {
    const out: Seen[] = [];
    for (let i = 0; i < n; i++) {
      const batch = (await loader.next()) as Batch;
      const checksum = tf.tidy(() => tf.sum(tf.abs(batch.images)).dataSync()[0]!);
      out.push({
        ids: batch.imageIds,
        flipped: batch.flipped,
        sizes: batch.imageSizes,
        checksum: Math.round(checksum),
        firstBox: Array.from(batch.targets[0]!.boxes.subarray(0, 4)),
      });
      batch.dispose();
    }
    return out;
  }

  it('yields padded NHWC batches whose targets match the image sizes', async () => {
    const loader = new CocoLoader(records, options);
    const batch = (await loader.next())!;
    const [n, h, w, c] = batch.images.shape;
    expect([n, c, h % 32, w % 32]).toEqual([2, 3, 0, 0]);
    batch.imageSizes.forEach(([ih, iw], i) => {
      expect(Math.min(ih, iw)).toBeGreaterThanOrEqual(96);
      expect(ih).toBeLessThanOrEqual(h);
      expect(iw).toBeLessThanOrEqual(w);
      const boxes = batch.targets[i]!.boxes;
      for (let k = 0; k < boxes.length; k += 4) {
        expect(boxes[k + 2]!).toBeLessThanOrEqual(iw);
        expect(boxes[k + 3]!).toBeLessThanOrEqual(ih);
      }
      const [sy, sx] = batch.scaleFactors[i]!;
      const [oh, ow] = batch.originalSizes[i]!;
      expect([Math.round(oh * sy), Math.round(ow * sx)]).toEqual([ih, iw]);
    });
    batch.dispose();
    await loader.close();
  });

  it('resumes exactly from a saved state, prefetching or not', async () => {
    const first = new CocoLoader(records, { ...options, prefetch: 2 });
    await take(first, 3);
    const saved = JSON.parse(JSON.stringify(first.state()));
    const expected = await take(first, 6);
    await first.close();

    const resumed = new CocoLoader(records, { ...options, prefetch: 0 });
    resumed.restore(saved);
    expect(await take(resumed, 6)).toEqual(expected);
    await resumed.close();
    // Multi-scale and flips actually happened.
    expect(new Set(expected.flatMap((s) => s.flipped)).size).toBe(2);
  });

  it('keeps the next batches decoding while the caller works', async () => {
    const loader = new CocoLoader(records, { ...options, prefetch: 2 });
    (await loader.next())!.dispose();
    expect(loader.pendingBatches).toBe(2);
    await loader.close();
    const lazy = new CocoLoader(records, { ...options, prefetch: 0 });
    (await lazy.next())!.dispose();
    expect(lazy.pendingBatches).toBe(0);
    await lazy.close();
  });

  it('runs one ordered pass in test mode, including images without annotations', async () => {
    const all = buildImageRecords(await loadCocoInstances(TINY_COCO.annotations), { skipImagesWithoutAnnotations: false });
    const loader = new CocoLoader(all, { imagesRoot: TINY_COCO.images, mode: 'test', batchSize: 5, augmentation: { shortEdge: 64, maxSize: 128 } });
    const ids: number[] = [];
    for (let batch = await loader.next(); batch; batch = await loader.next()) {
      ids.push(...batch.imageIds);
      expect(batch.flipped.every((f) => !f)).toBe(true);
      batch.dispose();
    }
    expect(ids).toEqual(all.map((r) => r.imageId));
    await loader.close();
  });

  it('names the image when one cannot be loaded, without unhandled rejections', async () => {
    const broken = records.map((r, i) => (i === 2 ? { ...r, fileName: 'missing.jpg' } : r));
    const loader = new CocoLoader(broken, { ...options, mode: 'test', prefetch: 3, batchSize: 1 });
    (await loader.next())!.dispose();
    (await loader.next())!.dispose();
    await expect(loader.next()).rejects.toThrow(/missing\.jpg: image file not found/);
    await loader.close();
  });
});
