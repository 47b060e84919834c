/** 8-bit RGB pixels, row-major, interleaved (HWC). */
export interface RgbImage {
  height: number;
  width: number;
  data: Uint8Array;
}

/** Mirror left ↔ right. */
export function flipImage(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const from = row + (width - 1 - x) * 3;
      const to = row + x * 3;
      out[to] = data[from] as number;
      out[to + 1] = data[from + 1] as number;
      out[to + 2] = data[from + 2] as number;
    }
  }
  return { width, height, data: out };
}
