/**
 * A seeded, deterministic synthetic COCO set the size of val2017 (5000 images, 80 categories,
 * ≈36k ground truths, 100 detections per image) for benchmarking the evaluator. Ground truths
 * follow COCO-like statistics (a few frequent categories, ~41/34/25 % small/medium/large, ~1 %
 * crowd, polygon outlines); detections are jittered copies of ground truths (some with the wrong
 * class, some duplicated) plus background false positives, with scores rounded to 3 decimals so
 * that ties occur as in real detector output.
 */

export interface SyntheticCocoOptions {
  /** Default 5000. */
  images?: number;
  /** Default 80 (ids 1..80). */
  categories?: number;
  /** Mean ground truths per image. Default 7.3 (val2017: 36,781 / 5000). */
  gtPerImage?: number;
  /** Default 100. */
  detectionsPerImage?: number;
  /** Default 2017. */
  seed?: number;
}

export interface SyntheticCoco {
  readonly gt: {
    images: { id: number; width: number; height: number; file_name: string }[];
    annotations: {
      id: number;
      image_id: number;
      category_id: number;
      bbox: number[];
      area: number;
      iscrowd: number;
      segmentation: number[][];
    }[];
    categories: { id: number; name: string; supercategory: string }[];
  };
  readonly results: { image_id: number; category_id: number; bbox: number[]; score: number }[];
}

/** mulberry32: small, fast, and the same sequence on every platform. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

export function generateSyntheticCoco(options: SyntheticCocoOptions = {}): SyntheticCoco {
  const numImages = options.images ?? 5000;
  const numCategories = options.categories ?? 80;
  const gtPerImage = options.gtPerImage ?? 7.3;
  const detectionsPerImage = options.detectionsPerImage ?? 100;
  const random = rng(options.seed ?? 2017);
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * random();

  // Zipf-like category frequencies: category 1 ("person") is by far the most common.
  const weights = Array.from({ length: numCategories }, (_, k) => 1 / (k + 1) ** 1.1);
  const cumulative: number[] = [];
  weights.reduce((sum, w, k) => (cumulative[k] = sum + w), 0);
  const pickCategory = (): number => {
    const u = random() * cumulative[numCategories - 1]!;
    let k = 0;
    while (cumulative[k]! < u) k++;
    return k + 1;
  };
  // Poisson-distributed object count with the requested mean.
  const poisson = (mean: number): number => {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    return k;
  };

  const categories = Array.from({ length: numCategories }, (_, k) => ({ id: k + 1, name: `category-${k + 1}`, supercategory: 'synthetic' }));
  const images: SyntheticCoco['gt']['images'] = [];
  const annotations: SyntheticCoco['gt']['annotations'] = [];
  const results: SyntheticCoco['results'] = [];
  let annotationId = 1;

  for (let i = 0; i < numImages; i++) {
    const imageId = 1000 + i * 7; // sparse ids, as COCO's
    const width = random() < 0.7 ? 640 : Math.round(uniform(320, 640));
    const height = random() < 0.6 ? 480 : Math.round(uniform(240, 640));
    images.push({ id: imageId, width, height, file_name: `${String(imageId).padStart(12, '0')}.jpg` });

    const objects: { category: number; box: number[] }[] = [];
    const count = poisson(gtPerImage);
    for (let j = 0; j < count; j++) {
      // Log-uniform area from 4² to ~500², aspect ratio log-uniform in [1/3, 3].
      const area = Math.exp(uniform(Math.log(16), Math.log(Math.min(width * height * 0.8, 250_000))));
      const aspect = Math.exp(uniform(-Math.log(3), Math.log(3)));
      const w = Math.min(width - 1, Math.sqrt(area * aspect));
      const h = Math.min(height - 1, Math.sqrt(area / aspect));
      const x = uniform(0, width - w);
      const y = uniform(0, height - h);
      const box = [round2(x), round2(y), round2(w), round2(h)];
      const category = pickCategory();
      const crowd = random() < 0.01 ? 1 : 0;
      // An octagon inside the box: its area is what COCO's `area` field would hold.
      const cx = box[0]! + box[2]! / 2;
      const cy = box[1]! + box[3]! / 2;
      const ring: number[] = [];
      for (let v = 0; v < 8; v++) {
        const angle = (v / 8) * 2 * Math.PI;
        ring.push(round2(cx + (Math.cos(angle) * box[2]!) / 2), round2(cy + (Math.sin(angle) * box[3]!) / 2));
      }
      annotations.push({
        id: annotationId++,
        image_id: imageId,
        category_id: category,
        bbox: box,
        area: round2(box[2]! * box[3]! * 0.707),
        iscrowd: crowd,
        segmentation: [ring],
      });
      objects.push({ category, box });
    }

    // Detections: up to 3 jittered copies per object, the rest background.
    let made = 0;
    const emit = (category: number, box: number[], score: number): void => {
      if (made >= detectionsPerImage) return;
      results.push({ image_id: imageId, category_id: category, bbox: box, score: Math.round(score * 1000) / 1000 });
      made++;
    };
    for (const object of objects) {
      const copies = 1 + Math.floor(random() * 3);
      for (let c = 0; c < copies; c++) {
        const [x, y, w, h] = object.box as [number, number, number, number];
        const jitter = 0.25 * random();
        const nx = Math.max(0, x + (random() - 0.5) * jitter * w);
        const ny = Math.max(0, y + (random() - 0.5) * jitter * h);
        const nw = Math.max(1, w * (1 + (random() - 0.5) * jitter));
        const nh = Math.max(1, h * (1 + (random() - 0.5) * jitter));
        const category = random() < 0.15 ? pickCategory() : object.category;
        emit(category, [round2(nx), round2(ny), round2(nw), round2(nh)], 0.3 + 0.7 * random() * (1 - jitter));
      }
    }
    while (made < detectionsPerImage) {
      const w = uniform(4, width / 2);
      const h = uniform(4, height / 2);
      const category = objects.length > 0 && random() < 0.5 ? objects[Math.floor(random() * objects.length)]!.category : pickCategory();
      emit(category, [round2(uniform(0, width - w)), round2(uniform(0, height - h)), round2(w), round2(h)], 0.4 * random());
    }
  }
  return { gt: { images, annotations, categories }, results };
}
