import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../image/rgb-image';
import { emptyBitmap } from '../mask/bitmap';
import { drawInstances, drawText, writePng } from './draw';
import { measureText } from './font';

const black = (width: number, height: number): RgbImage => ({ width, height, data: new Uint8Array(width * height * 3) });
const at = (image: RgbImage, x: number, y: number): number[] => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

describe('visualisation', () => {
  it('draws the box outline inside the box, the mask translucently, and a caption above', () => {
    const mask = emptyBitmap(60, 80);
    for (let y = 30; y < 40; y++) for (let x = 30; x < 40; x++) mask.data[y * 80 + x] = 1;
    const out = drawInstances(black(80, 60), [{ box: [20, 20, 60, 50], label: 'cat', score: 0.87, mask, color: [200, 100, 0] }], {
      maskAlpha: 0.5,
      lineWidth: 2,
    });
    expect(at(out, 20, 30)).toEqual([200, 100, 0]); // left edge
    expect(at(out, 59, 49)).toEqual([200, 100, 0]); // bottom-right corner, inside the box
    expect(at(out, 60, 30)).toEqual([0, 0, 0]); // just outside
    expect(at(out, 19, 30)).toEqual([0, 0, 0]);
    expect(at(out, 35, 35)).toEqual([100, 50, 0]); // mask at 50 %
    expect(at(out, 25, 35)).toEqual([0, 0, 0]); // inside the box, outside the mask
    // Caption "CAT 87%" on a tab in the box colour just above the box, with light text (the colour is dark).
    const { width, height } = measureText('cat 87%');
    const tab: number[][] = [];
    for (let y = 20 - height - 2; y < 20; y++) for (let x = 20; x < 20 + width + 2; x++) tab.push(at(out, x, y));
    expect(tab.some((p) => p.join() === '200,100,0')).toBe(true);
    expect(tab.some((p) => p.join() === '255,255,255')).toBe(true);
    expect(at(out, 20, 20 - height - 3)).toEqual([0, 0, 0]);
  });

  it('draws glyphs from the bitmap font', () => {
    const image = black(12, 9);
    drawText(image, 1, 1, 'I', [255, 255, 255]);
    // "I" is a bar across the top and bottom rows and a stem in the middle column.
    expect(at(image, 2, 1)).toEqual([255, 255, 255]);
    expect(at(image, 3, 4)).toEqual([255, 255, 255]);
    expect(at(image, 1, 4)).toEqual([0, 0, 0]);
  });

  it('writes a PNG that decodes to the same pixels', async () => {
    const image = drawInstances(black(50, 40), [{ box: [5, 5, 30, 30], label: 'dog' }]);
    const file = join(mkdtempSync(join(tmpdir(), 'kestrel-vis-')), 'sub', 'out.png');
    await writePng(file, image);
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([50, 40, 3]);
    expect(Buffer.compare(data, Buffer.from(image.data))).toBe(0);
  });
});
