/**
 * The built-in synthetic COCO dataset: shapes on textured backgrounds, written as PNG images and
 * COCO instances JSON, byte-for-byte determined by the options (seed included).
 */
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '@kestrel/runtime';
import sharp from 'sharp';
import type { CocoAnnotation, CocoDataset, CocoImage } from '../coco/types';
import type { RgbImage } from '../image/rgb-image';
import { renderScene, type Scene, type SceneOptions } from './scene';
import { SHAPE_CATEGORIES } from './shapes';

/** Bump when the output for given options changes, so cached copies are regenerated. */
export const SHAPES_GENERATOR_VERSION = 2;

export interface ShapesDatasetOptions {
  /** Default 0. */
  seed?: number;
  /** Training images. Default 400. */
  trainImages?: number;
  /** Validation images. Default 100. */
  valImages?: number;
  /** Side of the square images in pixels. Default 256. */
  imageSize?: number;
  /** Objects per image (before any crowd), drawn uniformly. Defaults 1 and 8. */
  minObjects?: number;
  maxObjects?: number;
  /** Probability that an image contains a crowd region. Default 0.1. */
  crowdProbability?: number;
}

/**
 * Defaults sized for Kestrel's CPU training run (ResNet-18 at half width, 256² images, about
 * ten minutes): roughly one to two epochs of 400 images, and 100 images for a quick evaluation.
 */
export const DEFAULT_SHAPES_OPTIONS: Readonly<Required<ShapesDatasetOptions>> = Object.freeze({
  seed: 0,
  trainImages: 400,
  valImages: 100,
  imageSize: 256,
  minObjects: 1,
  maxObjects: 8,
  crowdProbability: 0.1,
});

export interface ShapesSplitPaths {
  /** COCO instances JSON. */
  annotations: string;
  /** Folder that `file_name`s are relative to. */
  images: string;
}

export interface ShapesDatasetPaths {
  root: string;
  train: ShapesSplitPaths;
  val: ShapesSplitPaths;
}

export function resolveShapesOptions(options: ShapesDatasetOptions = {}): Required<ShapesDatasetOptions> {
  const o = { ...DEFAULT_SHAPES_OPTIONS, ...options };
  const intAtLeast = (name: keyof ShapesDatasetOptions, min: number): void => {
    const v = o[name];
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name}: expected an integer >= ${min}, got ${v}`);
  };
  intAtLeast('seed', 0);
  intAtLeast('trainImages', 0);
  intAtLeast('valImages', 0);
  intAtLeast('imageSize', 32);
  intAtLeast('minObjects', 0);
  intAtLeast('maxObjects', Math.max(1, o.minObjects));
  if (o.imageSize > 4096) throw new RangeError(`imageSize: expected at most 4096, got ${o.imageSize}`);
  if (!(o.crowdProbability >= 0 && o.crowdProbability <= 1)) {
    throw new RangeError(`crowdProbability: expected a number in [0, 1], got ${o.crowdProbability}`);
  }
  return o;
}

export function shapesPaths(root: string): ShapesDatasetPaths {
  return {
    root,
    train: { annotations: join(root, 'annotations', 'instances_train.json'), images: join(root, 'train') },
    val: { annotations: join(root, 'annotations', 'instances_val.json'), images: join(root, 'val') },
  };
}

/** The scene of one image; depends only on (seed, split, index, scene options). */
export function renderShapesImage(options: ShapesDatasetOptions, split: 'train' | 'val', index: number): Scene {
  const o = resolveShapesOptions(options);
  const scene: SceneOptions = {
    size: o.imageSize,
    minObjects: o.minObjects,
    maxObjects: o.maxObjects,
    crowdProbability: o.crowdProbability,
  };
  return renderScene(scene, new Rng(o.seed).fork('shapes').fork(split).fork(String(index)));
}

export interface GenerateProgress {
  /** Called after each image with (images written, total images). */
  onProgress?: (done: number, total: number) => void;
}

/** Lossless PNG with fixed settings: the same pixels always give the same bytes. */
async function writePngFile(path: string, image: RgbImage): Promise<void> {
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
    .toFile(path);
}

async function writeSplit(
  root: string,
  split: 'train' | 'val',
  count: number,
  options: Required<ShapesDatasetOptions>,
  progress: { done: number; total: number; report?: (done: number, total: number) => void },
): Promise<void> {
  const paths = shapesPaths(root)[split];
  await mkdir(paths.images, { recursive: true });
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  // PNG encoding runs in sharp's threads while the next scene is drawn; keep a few in flight.
  const writes = new Set<Promise<void>>();
  for (let index = 0; index < count; index++) {
    const imageId = index + 1;
    const fileName = `${String(imageId).padStart(6, '0')}.png`;
    const scene = renderShapesImage(options, split, index);
    const write = writePngFile(join(paths.images, fileName), scene.image).finally(() => writes.delete(write));
    write.catch(() => undefined); // failures surface through race/all below, never as unhandled
    writes.add(write);
    if (writes.size >= 4) await Promise.race(writes);
    images.push({ id: imageId, file_name: fileName, width: options.imageSize, height: options.imageSize, license: 1 });
    for (const a of scene.annotations) {
      annotations.push({
        id: annotations.length + 1,
        image_id: imageId,
        category_id: a.categoryId,
        segmentation: a.segmentation,
        area: a.area,
        bbox: a.bbox,
        iscrowd: a.iscrowd,
      });
    }
    progress.done++;
    progress.report?.(progress.done, progress.total);
  }
  await Promise.all(writes);
  const dataset: CocoDataset = {
    info: {
      description: `Kestrel synthetic shapes (${split})`,
      version: String(SHAPES_GENERATOR_VERSION),
      generator: 'kestrel coco-data generateShapesDataset',
      options,
    },
    licenses: [{ id: 1, name: 'CC0 1.0 (generated data)', url: 'https://creativecommons.org/publicdomain/zero/1.0/' }],
    images,
    annotations,
    categories: SHAPE_CATEGORIES.map((c) => ({ id: c.id, name: c.name, supercategory: 'shape' })),
  };
  await mkdir(join(root, 'annotations'), { recursive: true });
  await writeFile(paths.annotations, `${JSON.stringify(dataset)}\n`);
}

/**
 * Writes the dataset under `outDir` (created; existing files with the same names are
 * overwritten): `train/*.png`, `val/*.png`, `annotations/instances_{train,val}.json`.
 */
export async function generateShapesDataset(
  outDir: string,
  options: ShapesDatasetOptions = {},
  progress: GenerateProgress = {},
): Promise<ShapesDatasetPaths> {
  const o = resolveShapesOptions(options);
  const state = {
    done: 0,
    total: o.trainImages + o.valImages,
    ...(progress.onProgress ? { report: progress.onProgress } : {}),
  };
  await writeSplit(outDir, 'train', o.trainImages, o, state);
  await writeSplit(outDir, 'val', o.valImages, o, state);
  return shapesPaths(outDir);
}

/** Folder name of a cached dataset: generator version plus every option that changes the output. */
export function shapesCacheKey(options: ShapesDatasetOptions = {}): string {
  const o = resolveShapesOptions(options);
  return [
    `shapes-v${SHAPES_GENERATOR_VERSION}`,
    `s${o.seed}`,
    `n${o.trainImages}-${o.valImages}`,
    `px${o.imageSize}`,
    `obj${o.minObjects}-${o.maxObjects}`,
    `crowd${o.crowdProbability}`,
  ].join('_');
}

const COMPLETE_MARKER = 'COMPLETE';

const isComplete = (root: string): Promise<boolean> =>
  access(join(root, COMPLETE_MARKER)).then(
    () => true,
    () => false,
  );

/**
 * The dataset for these options under `cacheDir`, generated on first use. Generation writes to a
 * temporary folder that is renamed into place when complete, so an interrupted run never leaves
 * a half-written dataset that looks finished, and two processes racing both end up using one
 * complete copy.
 */
export async function ensureShapesDataset(
  cacheDir: string,
  options: ShapesDatasetOptions = {},
  progress: GenerateProgress = {},
): Promise<ShapesDatasetPaths & { generated: boolean }> {
  const root = join(cacheDir, shapesCacheKey(options));
  if (await isComplete(root)) return { ...shapesPaths(root), generated: false };

  const staging = `${root}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(cacheDir, { recursive: true });
  try {
    await generateShapesDataset(staging, options, progress);
    await writeFile(join(staging, COMPLETE_MARKER), `${shapesCacheKey(options)}\n`);
    if (await isComplete(root)) return { ...shapesPaths(root), generated: false }; // someone else finished first
    await rm(root, { recursive: true, force: true }); // an incomplete leftover
    await rename(staging, root);
  } catch (error) {
    if (!(await isComplete(root))) throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { ...shapesPaths(root), generated: true };
}
