/** The stable score sort pycocotools gets from numpy's mergesort of -score. */

/**
 * Sorts items[from, to) by descending scores[item], ties kept in order (numpy mergesort of
 * -score): insertion sort for short runs, merge sort through `buffer` (as long as `items`)
 * otherwise. Typed arrays and no comparator calls: this sorts 500k detections per evaluation.
 */
export function sortByScoreStable(items: Int32Array, from: number, to: number, scores: Float64Array, buffer: Int32Array): void {
  if (to - from <= 24) {
    for (let i = from + 1; i < to; i++) {
      const item = items[i]!;
      const s = scores[item]!;
      let j = i - 1;
      while (j >= from && scores[items[j]!]! < s) {
        items[j + 1] = items[j]!;
        j--;
      }
      items[j + 1] = item;
    }
    return;
  }
  const mid = (from + to) >>> 1;
  sortByScoreStable(items, from, mid, scores, buffer);
  sortByScoreStable(items, mid, to, scores, buffer);
  if (scores[items[mid - 1]!]! >= scores[items[mid]!]!) return; // already in order (common: runs per image)
  buffer.set(items.subarray(from, mid), from);
  let i = from;
  let j = mid;
  let o = from;
  while (i < mid && j < to) {
    // Take from the right run only when strictly better: equal scores keep the left one first.
    if (scores[items[j]!]! > scores[buffer[i]!]!) items[o++] = items[j++]!;
    else items[o++] = buffer[i++]!;
  }
  while (i < mid) items[o++] = buffer[i++]!;
}
