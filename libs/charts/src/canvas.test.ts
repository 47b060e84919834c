import { Canvas, measureText } from './canvas';

describe('Canvas', () => {
  it('starts with the background and clips drawing to the image', () => {
    const c = new Canvas(10, 8, [1, 2, 3]);
    expect(c.getPixel(9, 7)).toEqual([1, 2, 3]);
    c.fillRect(-5, -5, 3, 2, [9, 9, 9]);
    expect(c.getPixel(0, 0)).toEqual([9, 9, 9]);
    expect(c.getPixel(2, 1)).toEqual([9, 9, 9]);
    expect(c.getPixel(3, 1)).toEqual([1, 2, 3]);
    c.line(0, 7, 100, 7, [5, 5, 5]); // runs off the right edge
    expect(c.getPixel(9, 7)).toEqual([5, 5, 5]);
  });

  it('measures text in the 5×7 font (6 px advance, no trailing gap)', () => {
    expect(measureText('AB', 2)).toEqual({ width: 22, height: 14 });
    expect(measureText('', 1).width).toBe(0);
  });

  it('draws vertical text inside its box', () => {
    const c = new Canvas(20, 40);
    c.verticalText(10, 20, 'AB', [0, 0, 0]);
    let dark = 0;
    for (let y = 0; y < 40; y++) for (let x = 0; x < 20; x++) if (c.getPixel(x, y)[0] === 0) dark++;
    expect(dark).toBeGreaterThan(10);
    for (let y = 0; y < 40; y++) expect(c.getPixel(0, y)).toEqual([255, 255, 255]);
  });
});
