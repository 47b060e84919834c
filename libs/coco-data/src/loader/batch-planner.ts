/**
 * Which images go into which batch, decided without decoding anything, so the sequence is a
 * pure function of (seed, dataset, options) and a saved position restores it exactly.
 *
 * Training (detectron2 `TrainingSampler` + `AspectRatioGroupedDataset`): an endless stream of
 * epochs, each a seeded permutation of the dataset (seed + epoch); items are routed into two
 * buckets, landscape (w > h) and portrait-or-square, and a bucket is emitted as a batch when it
 * holds `batchSize` items. Unfinished buckets carry over into the next epoch.
 * Testing: one pass in dataset order, the last batch possibly smaller.
 */
import { Rng } from '@kestrel/runtime';

export interface PlannedItem {
  /** Index into the records. */
  index: number;
  /** Epoch and position within it: the key of this item's augmentation randomness. */
  epoch: number;
  position: number;
}

export interface PlannerOptions {
  mode: 'train' | 'test';
  batchSize: number;
  seed: number;
  /** Shuffle each epoch (train only). Default true. */
  shuffle?: boolean;
  /** Group images by orientation (train only). Default true. */
  aspectRatioGrouping?: boolean;
}

/** A resumable position, plain JSON. */
export interface LoaderState {
  kind: 'kestrel.coco-loader';
  /** 2 since the shuffle and augmentation draws come from `@kestrel/runtime`'s `Rng`. */
  version: 2;
  mode: 'train' | 'test';
  seed: number;
  batchSize: number;
  /** Number of records and a hash of their image ids, to refuse restoring onto other data. */
  datasetSize: number;
  datasetHash: number;
  epoch: number;
  /** Next position within the epoch's order. */
  cursor: number;
  /** Items waiting in the aspect-ratio buckets. */
  buckets: PlannedItem[][];
  /** Batches handed out so far. */
  batches: number;
}

/** 32-bit hash of the records' image ids (an `Rng` stream is a hash of its fork names). */
function imageIdsHash(records: readonly PlannerRecord[]): number {
  return new Rng(0).fork(`image ids ${records.map((r) => r.imageId).join(',')}`).nextUint32();
}

export interface PlannerRecord {
  imageId: number;
  width: number;
  height: number;
}

export class BatchPlanner {
  private readonly options: Required<PlannerOptions>;
  private readonly records: readonly PlannerRecord[];
  private readonly datasetHash: number;
  private epoch = 0;
  private cursor = 0;
  private buckets: PlannedItem[][];
  private batches = 0;
  private order: number[] | undefined;
  private orderEpoch = -1;

  constructor(records: readonly PlannerRecord[], options: PlannerOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`batchSize: expected a positive integer, got ${options.batchSize}`);
    }
    if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
      throw new RangeError(`seed: expected a non-negative integer, got ${options.seed}`);
    }
    if (records.length === 0) throw new Error('the dataset has no images to load');
    this.records = records;
    this.options = { shuffle: true, aspectRatioGrouping: true, ...options };
    this.datasetHash = imageIdsHash(records);
    this.buckets = this.grouping ? [[], []] : [[]];
  }

  private get grouping(): boolean {
    return this.options.mode === 'train' && this.options.aspectRatioGrouping;
  }

  /** The next batch, or null when a test pass is complete (training never ends). */
  next(): PlannedItem[] | null {
    const { mode, batchSize } = this.options;
    if (mode === 'test') {
      if (this.cursor >= this.records.length) return null;
      const items: PlannedItem[] = [];
      while (items.length < batchSize && this.cursor < this.records.length) {
        items.push({ index: this.cursor, epoch: 0, position: this.cursor });
        this.cursor++;
      }
      this.batches++;
      return items;
    }
    for (;;) {
      const item = this.nextTrainItem();
      const record = this.records[item.index] as PlannerRecord;
      const bucket = this.buckets[this.grouping && !(record.width > record.height) ? 1 : 0] as PlannedItem[];
      bucket.push(item);
      if (bucket.length === batchSize) {
        const batch = bucket.splice(0, bucket.length);
        this.batches++;
        return batch;
      }
    }
  }

  private nextTrainItem(): PlannedItem {
    if (this.cursor >= this.records.length) {
      this.epoch++;
      this.cursor = 0;
    }
    const order = this.epochOrder(this.epoch);
    const item = { index: order[this.cursor] as number, epoch: this.epoch, position: this.cursor };
    this.cursor++;
    return item;
  }

  private epochOrder(epoch: number): number[] {
    if (this.orderEpoch !== epoch || !this.order) {
      const n = this.records.length;
      this.order = this.options.shuffle
        ? new Rng(this.options.seed).fork('shuffle').fork(String(epoch)).permutation(n)
        : Array.from({ length: n }, (_, i) => i);
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  state(): LoaderState {
    return {
      kind: 'kestrel.coco-loader',
      version: 2,
      mode: this.options.mode,
      seed: this.options.seed,
      batchSize: this.options.batchSize,
      datasetSize: this.records.length,
      datasetHash: this.datasetHash,
      epoch: this.epoch,
      cursor: this.cursor,
      buckets: this.buckets.map((b) => b.map((item) => ({ ...item }))),
      batches: this.batches,
    };
  }

  restore(state: LoaderState): void {
    const mismatch = (what: string, saved: unknown, current: unknown): Error =>
      new Error(`cannot restore loader state: it was saved with ${what} ${JSON.stringify(saved)}, this loader has ${JSON.stringify(current)}`);
    if (state?.kind !== 'kestrel.coco-loader' || state.version !== 2) {
      throw new Error(`cannot restore loader state: not a version-2 kestrel.coco-loader state (${JSON.stringify(state)?.slice(0, 80)})`);
    }
    if (state.mode !== this.options.mode) throw mismatch('mode', state.mode, this.options.mode);
    if (state.seed !== this.options.seed) throw mismatch('seed', state.seed, this.options.seed);
    if (state.batchSize !== this.options.batchSize) throw mismatch('batchSize', state.batchSize, this.options.batchSize);
    if (state.datasetSize !== this.records.length || state.datasetHash !== this.datasetHash) {
      throw mismatch('a dataset of', `${state.datasetSize} images (hash ${state.datasetHash})`, `${this.records.length} images (hash ${this.datasetHash})`);
    }
    if (state.buckets.length !== this.buckets.length) throw mismatch('aspect-ratio buckets', state.buckets.length, this.buckets.length);
    const validItem = (i: PlannedItem): boolean => Number.isInteger(i.index) && i.index >= 0 && i.index < this.records.length;
    if (!state.buckets.every((b) => b.every(validItem)) || !(state.cursor >= 0 && state.cursor <= this.records.length)) {
      throw new Error('cannot restore loader state: positions out of range for this dataset');
    }
    this.epoch = state.epoch;
    this.cursor = state.cursor;
    this.buckets = state.buckets.map((b) => b.map((item) => ({ ...item })));
    this.batches = state.batches;
  }
}
