/** Shape categories of the synthetic dataset and their outlines as polygons. */
import type { Rng } from '@kestrel/runtime';

export const SHAPE_CATEGORIES = [
  { id: 1, name: 'circle' },
  { id: 2, name: 'square' },
  { id: 3, name: 'triangle' },
  { id: 4, name: 'star' },
  { id: 5, name: 'ring' },
] as const;

export type ShapeName = (typeof SHAPE_CATEGORIES)[number]['name'];

export interface ShapeGeometry {
  /** Outline polygons; the shape is their union… */
  outer: number[][];
  /** …minus these (the ring's hole). */
  holes: number[][];
}

/** Coordinates are stored with 2 decimals, and rasterised exactly as stored. */
const round2 = (v: number): number => Math.round(v * 100) / 100;

function regularPolygon(cx: number, cy: number, radii: readonly number[], count: number, rotation: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const angle = rotation + (2 * Math.PI * k) / count;
    const r = radii[k % radii.length] as number;
    out.push(round2(cx + r * Math.cos(angle)), round2(cy + r * Math.sin(angle)));
  }
  return out;
}

/** Enough vertices that the polygon looks round at this radius. */
function circleVertexCount(radius: number): number {
  return Math.max(16, Math.min(96, Math.ceil((2 * Math.PI * radius) / 2)));
}

/**
 * The outline of a shape of circumradius `radius` centred on (cx, cy). Random parts (rotation,
 * ring thickness) come from `rng`.
 */
export function shapeGeometry(name: ShapeName, cx: number, cy: number, radius: number, rng: Rng): ShapeGeometry {
  const rotation = rng.uniform(0, 2 * Math.PI);
  switch (name) {
    case 'circle':
      return { outer: [regularPolygon(cx, cy, [radius], circleVertexCount(radius), rotation)], holes: [] };
    case 'square':
      return { outer: [regularPolygon(cx, cy, [radius], 4, rotation)], holes: [] };
    case 'triangle':
      return { outer: [regularPolygon(cx, cy, [radius], 3, rotation)], holes: [] };
    case 'star':
      return { outer: [regularPolygon(cx, cy, [radius, radius * 0.45], 10, rotation)], holes: [] };
    case 'ring': {
      const inner = radius * rng.uniform(0.45, 0.65);
      return {
        outer: [regularPolygon(cx, cy, [radius], circleVertexCount(radius), rotation)],
        holes: [regularPolygon(cx, cy, [inner], circleVertexCount(inner), rotation)],
      };
    }
  }
}
