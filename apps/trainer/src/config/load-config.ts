/**
 * Loading a training config: the file and the chain it `extends`, then the command-line overrides,
 * then validation of every key and the defaults. Every problem is reported at once, each with the
 * file (or the command-line flag) that set it, the key path and what was expected.
 */
import { basename, join, resolve } from 'node:path';
import { parseNormSpec } from '@kestrel/norm';
import { validateLrSchedule } from '@kestrel/runtime';
import {
  ModelConfigError,
  readConfigTree,
  resolveModelConfig,
  validateSchema,
  type ConfigIssue,
  type ModelConfigInput,
  type Schema,
} from '@kestrel/detectors';
import type { TrainerArgs } from './cli';
import { TRAIN_CONFIG_DEFAULTS, TRAIN_CONFIG_SCHEMA, type TrainConfig, type TrainSections } from './train-config';

/** The config used when `--config` is not given. */
export const DEFAULT_TRAIN_CONFIG = 'configs/train/faster_rcnn_R18_FPN_cpu_shapes.json';

/** Every problem in a training config; one `file: key: what` line per issue. */
export class TrainConfigError extends Error {
  override name = 'TrainConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `${i.file}: ${i.path}: ${i.message}`).join('\n'));
  }
}

export interface LoadedTrainConfig {
  config: TrainConfig;
  /** The config file given (resolved). */
  file: string;
  /** Files read, the most basic first. */
  files: string[];
  /** The run folder: `--out`, else `output.runsDir/<output.name or default>`. */
  runDir: string;
}

/** Which part of the command line set a key path (`.solver.maxIter`). */
type Origins = Map<string, string>;

const NORM_PATHS = ['backbone.norm', 'fpn.norm', 'boxHead.norm', 'boxHead.fcNorm'];

export function loadTrainConfig(args: Pick<TrainerArgs, 'config' | 'norm' | 'batchSize' | 'iters' | 'lr' | 'backend' | 'out' | 'overrides'>): LoadedTrainConfig {
  const file = resolve(args.config ?? DEFAULT_TRAIN_CONFIG);
  let tree;
  try {
    tree = readConfigTree(file, TRAIN_CONFIG_SCHEMA);
  } catch (error) {
    if (error instanceof ModelConfigError) throw new TrainConfigError(error.issues);
    throw error;
  }
  const value = tree.value;
  const origins: Origins = new Map();
  const issues: ConfigIssue[] = [];
  const set = (path: string, v: unknown, flag: string) => {
    const unknown = unknownKey(path);
    if (unknown) {
      issues.push({ file: '(command line)', path: `${flag}`, message: unknown });
      return;
    }
    setPath(value, path, v);
    origins.set(`.${path}`, `(command line ${flag})`);
  };

  for (const o of args.overrides) set(o.path, o.value, o.flag);
  if (args.norm !== undefined) {
    try {
      parseNormSpec(args.norm as never, '--norm');
      const architecture = getPath(value, 'model.architecture') ?? 'faster_rcnn';
      const paths = architecture === 'mask_rcnn' ? [...NORM_PATHS, 'maskHead.norm'] : NORM_PATHS;
      for (const p of paths) set(`model.${p}`, structuredClone(args.norm), '--norm');
    } catch (error) {
      issues.push({ file: '(command line)', path: '--norm', message: (error as Error).message.replace(/^--norm: /, '') });
    }
  }
  if (args.batchSize !== undefined) set('solver.imsPerBatch', args.batchSize, '--batchSize');
  if (args.lr !== undefined) set('solver.baseLr', args.lr, '--lr');
  if (args.backend !== undefined) set('train.backend', args.backend, '--backend');
  if (args.iters !== undefined) {
    const oldMax = (getPath(value, 'solver.maxIter') as number | undefined) ?? TRAIN_CONFIG_DEFAULTS.solver.maxIter;
    const steps = (getPath(value, 'solver.steps') as number[] | undefined) ?? TRAIN_CONFIG_DEFAULTS.solver.steps;
    set('solver.maxIter', args.iters, '--iters');
    if (!origins.has('.solver.steps') && Array.isArray(steps) && typeof oldMax === 'number' && oldMax > 0) {
      set('solver.steps', scaleSteps(steps, oldMax, args.iters), '--iters');
    }
  }
  if (issues.length > 0) throw new TrainConfigError(issues);

  const fileOf = (path: string) => {
    for (let p = path.replace(/\[\d+\].*$/, ''); p !== ''; p = p.slice(0, Math.max(0, p.lastIndexOf('.')))) {
      const origin = origins.get(p);
      if (origin !== undefined) return origin;
    }
    return tree.fileOf(path);
  };
  const { model, extends: _parent, ...sections } = value as Record<string, unknown> & { model?: ModelConfigInput };
  issues.push(...validateSchema(sections, TRAIN_CONFIG_SCHEMA, '').map((i) => ({ file: fileOf(i.path), path: i.path.slice(1), message: i.message })));
  let resolvedModel;
  try {
    resolvedModel = resolveModelConfig(model ?? {}, (path) => fileOf(`.model${path}`));
  } catch (error) {
    if (!(error instanceof ModelConfigError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0 || !resolvedModel) throw new TrainConfigError(issues);

  const merged = mergeDefaults(structuredClone(TRAIN_CONFIG_DEFAULTS) as TrainSections, sections);
  const config: TrainConfig = { model: resolvedModel, ...merged };
  issues.push(...crossCheck(config).map((i) => ({ ...i, file: fileOf(`.${i.path}`) })));
  if (issues.length > 0) throw new TrainConfigError(issues);

  const name = config.output.name ?? `${basename(file).replace(/\.json$/, '')}_${normLabel(config.model.backbone.norm)}`;
  const runDir = resolve(args.out ?? join(config.output.runsDir, name));
  return { config, file, files: tree.files, runDir };
}

/** The multistep milestones of a schedule stretched to `newMax` iterations (detectron2 scales them too). */
export function scaleSteps(steps: readonly number[], oldMax: number, newMax: number): number[] {
  const scaled = steps.map((s) => Math.round((s * newMax) / oldMax)).filter((s) => s > 0 && s < newMax);
  return scaled.filter((s, i) => i === 0 || s > scaled[i - 1]!);
}

/** Checks between keys; paths without a leading dot. */
function crossCheck(config: TrainConfig): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const { data, solver } = config;
  if (data.dataset === 'coco') {
    if (!data.train) issues.push({ path: 'data.train', message: 'dataset "coco" needs the training split: { "annotations": FILE, "images": DIR }' });
    if (!data.val) issues.push({ path: 'data.val', message: 'dataset "coco" needs the validation split: { "annotations": FILE, "images": DIR }' });
  }
  if (data.shapes.minObjects > data.shapes.maxObjects) {
    issues.push({ path: 'data.shapes.minObjects', message: `expected at most data.shapes.maxObjects (${data.shapes.maxObjects}), got ${data.shapes.minObjects}` });
  }
  if (data.dataset === 'shapes' && config.model.numClasses !== 5) {
    issues.push({ path: 'model.numClasses', message: `the built-in shapes dataset has 5 classes, got ${config.model.numClasses}` });
  }
  const steps = solver.steps;
  if (solver.policy === 'multistep' && steps.some((s) => s >= solver.maxIter)) {
    issues.push({ path: 'solver.steps', message: `expected iterations below solver.maxIter (${solver.maxIter}), got ${JSON.stringify(steps)}` });
  }
  try {
    validateLrSchedule({ baseLr: solver.baseLr, maxIter: solver.maxIter, steps, warmupIters: solver.warmupIters }, 'solver');
  } catch (error) {
    const message = (error as Error).message;
    const match = /^solver\.(\w+): (.*)$/.exec(message);
    issues.push({ path: `solver.${match?.[1] ?? 'steps'}`, message: match?.[2] ?? message });
  }
  return issues;
}

/** `cbn`, `gn`, … from a norm spec (for the default run name). */
function normLabel(spec: unknown): string {
  return typeof spec === 'string' ? spec : String((spec as { type?: unknown }).type ?? 'custom');
}

/** Null when `path` names a key the schema knows; else the message for the unknown segment. */
function unknownKey(path: string): string | null {
  let schema: Schema | undefined = TRAIN_CONFIG_SCHEMA;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    while (schema?.kind === 'nullable') schema = schema.inner;
    if (schema?.kind === 'norm' && i > 0) return null; // object norm specs: `--model.fpn.norm.groups=16` is checked later
    if (schema?.kind !== 'object') return `"${parts.slice(0, i).join('.')}" is not an object; cannot set "${path}"`;
    const next: Schema | undefined = schema.fields[parts[i]!];
    if (!next) return `unknown key "${parts.slice(0, i + 1).join('.')}"; expected one of ${Object.keys(schema.fields).filter((k) => k !== 'extends').map((k) => [...parts.slice(0, i), k].join('.')).join(', ')}`;
    schema = next;
  }
  return null;
}

function getPath(root: Record<string, unknown>, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = root;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** Deep merge of plain objects (arrays, null and scalars replace). */
function mergeDefaults<T>(defaults: T, value: Record<string, unknown>): T {
  const out = defaults as Record<string, unknown>;
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    const current = out[key];
    const bothObjects = isPlainObject(current) && isPlainObject(v);
    out[key] = bothObjects ? mergeDefaults(current, v) : structuredClone(v);
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
