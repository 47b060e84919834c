import { Rng } from '@kestrel/runtime';
import type { ImageRecord } from '../coco/records';
import type { ImageDecodeOptions } from '../image/decode';
import {
  DETECTRON2_TEST_AUGMENTATION,
  DETECTRON2_TRAIN_AUGMENTATION,
  planAugmentation,
  type AugmentationOptions,
} from '../transforms/augment';
import { collateSamples, hostBatchToBatch, type Batch, type HostBatch } from '../transforms/batch';
import { checkNormalization, TORCHVISION_NORMALIZATION, type PixelNormalization } from '../transforms/normalize';
import { BatchPlanner, type LoaderState, type PlannedItem } from './batch-planner';
import { loadSample } from './sample';

export interface CocoLoaderOptions {
  /** Folder the records' `fileName`s are relative to. */
  imagesRoot: string;
  /**
   * `train`: endless, shuffled per epoch, aspect-ratio grouped, augmented. `test`: one pass in
   * record order with the test resize and no flip. Default `train`.
   */
  mode?: 'train' | 'test';
  /** Images per batch. Default 2. */
  batchSize?: number;
  /** Seed of the shuffle and augmentation. Default 0. */
  seed?: number;
  /** Default true in training. */
  shuffle?: boolean;
  /** Default true in training. */
  aspectRatioGrouping?: boolean;
  /**
   * Batches decoded ahead while the caller works on the current one. 0 decodes on demand.
   * Default 2.
   */
  prefetch?: number;
  /** Resize/flip. Default: detectron2's train or test settings for the mode. */
  augmentation?: AugmentationOptions;
  /** Default {@link TORCHVISION_NORMALIZATION}. */
  normalization?: PixelNormalization;
  /** Default 32. */
  sizeDivisibility?: number;
  /** Image decoding limits. */
  decode?: ImageDecodeOptions;
}

interface Pending {
  /** Planner position after this batch: what `state()` reports once it is handed out. */
  stateAfter: LoaderState;
  result: Promise<HostBatch>;
}

/**
 * Batches of decoded, transformed COCO images. Decoding runs in sharp's thread pool; with
 * `prefetch` > 0 the next batches are decoded while the caller trains on the current one.
 * `state()`/`restore()` give exact resume: a restored loader yields the same batches, with the
 * same augmentation, as the original would have.
 */
export class CocoLoader {
  private readonly records: readonly ImageRecord[];
  private readonly planner: BatchPlanner;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly imagesRoot: string;
  private readonly seed: number;
  private readonly prefetch: number;
  private readonly augmentation: AugmentationOptions;
  private readonly normalization: PixelNormalization;
  private readonly sizeDivisibility: number;
  private readonly decode: ImageDecodeOptions;
  private position: LoaderState;
  private finished = false;
  private closed = false;

  constructor(records: readonly ImageRecord[], options: CocoLoaderOptions) {
    const mode = options.mode ?? 'train';
    this.records = records;
    this.imagesRoot = options.imagesRoot;
    this.seed = options.seed ?? 0;
    this.prefetch = options.prefetch ?? 2;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0) {
      throw new RangeError(`prefetch: expected a non-negative integer, got ${options.prefetch}`);
    }
    this.augmentation = options.augmentation ?? (mode === 'train' ? DETECTRON2_TRAIN_AUGMENTATION : DETECTRON2_TEST_AUGMENTATION);
    this.normalization = options.normalization ?? TORCHVISION_NORMALIZATION;
    checkNormalization(this.normalization);
    this.sizeDivisibility = options.sizeDivisibility ?? 32;
    this.decode = options.decode ?? {};
    this.planner = new BatchPlanner(records, {
      mode,
      batchSize: options.batchSize ?? 2,
      seed: this.seed,
      ...(options.shuffle === undefined ? {} : { shuffle: options.shuffle }),
      ...(options.aspectRatioGrouping === undefined ? {} : { aspectRatioGrouping: options.aspectRatioGrouping }),
    });
    this.position = this.planner.state();
  }

  /**
   * The next batch (its image tensor belongs to the caller), or null after the last batch of a
   * test pass. A decoding error rejects with an error naming the image file.
   */
  async next(): Promise<Batch | null> {
    if (this.closed) throw new Error('CocoLoader.next() called after close()');
    this.fill(1);
    const pending = this.queue.shift();
    if (!pending) return null;
    const host = await pending.result;
    this.position = pending.stateAfter;
    // Start decoding what comes next before handing this batch to the training step.
    this.fill(this.prefetch);
    return hostBatchToBatch(host);
  }

  /** Batches queued or being decoded ahead of the caller. */
  get pendingBatches(): number {
    return this.queue.length;
  }

  /** Position after the last batch returned by `next()` (prefetched batches do not count). */
  state(): LoaderState {
    return structuredClone(this.position);
  }

  /** Continues from a saved position; prefetched work is discarded. */
  restore(state: LoaderState): void {
    this.planner.restore(state);
    this.queue.length = 0;
    this.finished = false;
    this.position = this.planner.state();
  }

  /** Stops prefetching and waits for decodes already started. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await Promise.allSettled([...this.inFlight]);
  }

  private fill(target: number): void {
    while (!this.finished && this.queue.length < target) {
      const items = this.planner.next();
      if (!items) {
        this.finished = true;
        break;
      }
      const result = this.loadBatch(items);
      // Errors surface when the batch is awaited in next(); until then they are not "unhandled".
      result.catch(() => undefined);
      this.inFlight.add(result);
      void result.finally(() => this.inFlight.delete(result)).catch(() => undefined);
      this.queue.push({ stateAfter: this.planner.state(), result });
    }
  }

  private async loadBatch(items: PlannedItem[]): Promise<HostBatch> {
    const augment = new Rng(this.seed).fork('augment');
    const samples = await Promise.all(
      items.map((item) => {
        const record = this.records[item.index] as ImageRecord;
        const rng = augment.fork(String(item.epoch)).fork(String(item.position));
        const plan = planAugmentation(record.height, record.width, this.augmentation, rng);
        return loadSample(record, this.imagesRoot, plan, this.decode);
      }),
    );
    return collateSamples(samples, { normalization: this.normalization, sizeDivisibility: this.sizeDivisibility });
  }
}
