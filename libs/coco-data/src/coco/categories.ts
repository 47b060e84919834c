import type { CocoCategory } from './types';

/**
 * COCO category ids ↔ contiguous labels 0..K-1, in ascending id order (detectron2's
 * `thing_dataset_id_to_contiguous_id`). The background class, where a head needs one, is K.
 */
export class CategoryMap {
  /** Category ids in label order. */
  readonly categoryIds: readonly number[];
  /** Category names in label order. */
  readonly names: readonly string[];
  private readonly labelById: ReadonlyMap<number, number>;

  constructor(categories: readonly Pick<CocoCategory, 'id' | 'name'>[]) {
    const sorted = [...categories].sort((a, b) => a.id - b.id);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.id === sorted[i - 1]!.id) throw new Error(`CategoryMap: category id ${sorted[i]!.id} appears twice`);
    }
    this.categoryIds = sorted.map((c) => c.id);
    this.names = sorted.map((c) => c.name);
    this.labelById = new Map(sorted.map((c, label) => [c.id, label]));
  }

  /** Number of classes K (without background). */
  get size(): number {
    return this.categoryIds.length;
  }

  hasCategory(categoryId: number): boolean {
    return this.labelById.has(categoryId);
  }

  /** Contiguous label of a COCO category id. */
  labelOf(categoryId: number): number {
    const label = this.labelById.get(categoryId);
    if (label === undefined) {
      throw new RangeError(`unknown COCO category id ${categoryId}; known ids: ${this.categoryIds.join(', ')}`);
    }
    return label;
  }

  /** COCO category id of a contiguous label. */
  categoryIdOf(label: number): number {
    const id = this.categoryIds[label];
    if (!Number.isInteger(label) || id === undefined) {
      throw new RangeError(`label ${label} out of range: expected an integer in [0, ${this.size - 1}]`);
    }
    return id;
  }

  /** Category name of a contiguous label. */
  nameOf(label: number): string {
    this.categoryIdOf(label); // range check
    return this.names[label] as string;
  }
}
