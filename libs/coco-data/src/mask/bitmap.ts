/** A binary mask, row-major, one byte per pixel (0 or 1). */
export interface Bitmap {
  height: number;
  width: number;
  data: Uint8Array;
}

export function emptyBitmap(height: number, width: number): Bitmap {
  return { height, width, data: new Uint8Array(height * width) };
}

export function countPixels(bitmap: Bitmap): number {
  let n = 0;
  for (let i = 0; i < bitmap.data.length; i++) n += bitmap.data[i] ? 1 : 0;
  return n;
}

/** Tight box [x1, y1, x2, y2] (pixel edges) around the set pixels, or null when empty. */
export function bitmapBox(bitmap: Bitmap): [number, number, number, number] | null {
  const { width, height, data } = bitmap;
  let x1 = width;
  let y1 = height;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!data[row + x]) continue;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      y2 = y;
    }
  }
  return x2 < 0 ? null : [x1, y1, x2 + 1, y2 + 1];
}

/** Mirror left ↔ right. */
export function flipBitmap(bitmap: Bitmap): Bitmap {
  const { width, height, data } = bitmap;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = data[row + width - 1 - x] as number;
  }
  return { width, height, data: out };
}

/**
 * Nearest-neighbour resize with pixel-centre alignment (source pixel floor((x + 0.5) · w / W)),
 * as PIL's NEAREST, which detectron2 uses for bitmap segmentations.
 */
export function resizeBitmapNearest(bitmap: Bitmap, height: number, width: number): Bitmap {
  const out = new Uint8Array(height * width);
  const sx = bitmap.width / width;
  const sy = bitmap.height / height;
  const columns = new Int32Array(width);
  for (let x = 0; x < width; x++) columns[x] = Math.min(bitmap.width - 1, Math.floor((x + 0.5) * sx));
  for (let y = 0; y < height; y++) {
    const srcRow = Math.min(bitmap.height - 1, Math.floor((y + 0.5) * sy)) * bitmap.width;
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = bitmap.data[srcRow + (columns[x] as number)] as number;
  }
  return { height, width, data: out };
}
