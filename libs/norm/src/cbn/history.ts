import * as tf from '@tensorflow/tfjs-core';
import type { StateDict } from '@kestrel/runtime';
import type { StatisticSlot } from './statistic-slot';

/**
 * One past iteration's statistics, detached. Instead of the past weights W_τ we keep
 * s = Σ_K g·W_τ, so the Taylor step Σ g·(W_t − W_τ) = Σ g·W_t − s needs no old filter:
 * one filter-sized tensor (gnu) per entry.
 */
export interface HistoryEntry {
  mu: tf.Tensor1D; // [C]
  nu: tf.Tensor1D; // [C]
  gmu: tf.Tensor1D; // [K]
  gnu: tf.Tensor2D; // [K, C]
  sMu: tf.Tensor1D; // [C]  Σ_K gmu·W_τ
  sNu: tf.Tensor1D; // [C]  Σ_K gnu·W_τ
}

/** An entry whose statistic gradients a backward pass has yet to deliver (see StatisticSlot). */
interface PendingEntry {
  mu: tf.Tensor1D;
  nu: tf.Tensor1D;
  slot: StatisticSlot;
}

type Item = HistoryEntry | PendingEntry;

const FIELDS = ['mu', 'nu', 'gmu', 'gnu', 'sMu', 'sNu'] as const;

/** The newest `capacity` entries, oldest first; owns (and disposes) its tensors. */
export class CbnHistory {
  private items: Item[] = [];

  constructor(readonly capacity: number) {}

  /** The entries, completing pending ones first (call untaped). */
  get entries(): readonly HistoryEntry[] {
    this.items = this.items.map((item) => ('slot' in item ? complete(item) : item));
    return this.items as HistoryEntry[];
  }

  /** Takes ownership of `entry`'s tensors; drops the oldest entry beyond capacity. */
  push(entry: HistoryEntry): void {
    if (this.capacity === 0) {
      disposeEntry(entry);
      return;
    }
    for (const field of FIELDS) tf.keep(entry[field]);
    this.add(entry);
  }

  /**
   * Takes ownership of mu, nu and the slot, whose statistic gradients complete the entry. The
   * producer is the conv itself (no bias), so s = Σ g·W_t needs no product: Σ gmu·W_t = mu and
   * Σ gnu·W_t = (2/M) Σ y·(x∗W_t) = 2·nu exactly.
   */
  pushPending(mu: tf.Tensor1D, nu: tf.Tensor1D, slot: StatisticSlot): void {
    if (this.capacity === 0) {
      mu.dispose();
      nu.dispose();
      slot.abandon();
      return;
    }
    this.add({ mu: tf.keep(mu), nu: tf.keep(nu), slot });
  }

  clear(): void {
    for (const item of this.items) disposeItem(item);
    this.items = [];
  }

  private add(item: Item): void {
    this.items.push(item);
    while (this.items.length > this.capacity) disposeItem(this.items.shift()!);
  }

  /** `history.<i>.<field>` tensors, newest last; new handles owned by the caller. */
  toState(): StateDict {
    const state: StateDict = {};
    this.entries.forEach((entry, i) => {
      for (const field of FIELDS) state[`history.${i}.${field}`] = entry[field].clone();
    });
    return state;
  }

  /** Replaces the history with clones of `history.<i>.<field>` tensors, validating shapes. */
  loadState(state: StateDict, shapes: { k: number; c: number }, owner: string): void {
    const loaded: HistoryEntry[] = [];
    for (let i = 0; `history.${i}.mu` in state; i++) {
      const entry = {} as Record<(typeof FIELDS)[number], tf.Tensor>;
      for (const field of FIELDS) {
        const key = `history.${i}.${field}`;
        const tensor = state[key];
        const expected = field === 'gnu' ? [shapes.k, shapes.c] : field === 'gmu' ? [shapes.k] : [shapes.c];
        if (!tensor || tensor.shape.join(',') !== expected.join(',')) {
          for (const e of loaded) disposeEntry(e);
          throw new Error(
            `${owner}: extra state ${key} must have shape [${expected.join(', ')}], got ${tensor ? `[${tensor.shape.join(', ')}]` : 'nothing'}`,
          );
        }
        entry[field] = tf.keep(tensor.clone());
      }
      loaded.push(entry as unknown as HistoryEntry);
    }
    if (loaded.length > this.capacity) {
      for (const e of loaded) disposeEntry(e);
      throw new Error(`${owner}: extra state holds ${loaded.length} history entries, window keeps ${this.capacity}`);
    }
    this.clear();
    this.items = loaded;
  }
}

function complete({ mu, nu, slot }: PendingEntry): HistoryEntry {
  const { gmu, gnu } = slot.take();
  return tf.tidy(() => ({ mu, nu, gmu, gnu, sMu: tf.keep(mu.clone()), sNu: tf.keep(tf.mul(nu, 2)) as tf.Tensor1D }));
}

function disposeItem(item: Item): void {
  if ('slot' in item) {
    item.mu.dispose();
    item.nu.dispose();
    item.slot.abandon();
  } else {
    disposeEntry(item);
  }
}

function disposeEntry(entry: HistoryEntry): void {
  for (const field of FIELDS) entry[field].dispose();
}
