/** Series colours. */
import type { Rgb } from '@kestrel/coco-data';

/** matplotlib's tab10: distinct, colour-blind-friendlier than pure hues, familiar from papers. */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** `color` mixed with white: `amount` 0 keeps it, 1 gives white (for the faint raw line under a smoothed one). */
export function lighten(color: Rgb, amount: number): Rgb {
  const mix = (c: number): number => Math.round(c + (255 - c) * amount);
  return [mix(color[0]), mix(color[1]), mix(color[2])];
}
