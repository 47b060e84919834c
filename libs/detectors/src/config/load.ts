import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import {
  MASK_HEAD_CONFIG_DEFAULTS,
  MODEL_CONFIG_DEFAULTS,
  MODEL_CONFIG_SCHEMA,
  type MaskHeadConfig,
  type ModelConfig,
  type ModelConfigInput,
} from './model-config';
import { object, string, validate, type Schema, type SchemaIssue } from './schema';

/** One problem in a config, with the file that set the offending key. */
export interface ConfigIssue {
  file: string;
  /** Key path, e.g. `model.fpn.norm` or `model.rpn.anchorSizes[2]`. */
  path: string;
  message: string;
}

/** Every problem found in a config; the message has one `file: path: what` line per issue. */
export class ModelConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `${i.file}: ${i.path}: ${i.message}`).join('\n'));
    this.name = 'ModelConfigError';
  }
}

/** A config file's own keys. `$`-prefixed keys (`$comment`) are notes for readers. */
const FILE_SCHEMA: Schema = object({ extends: string, model: MODEL_CONFIG_SCHEMA });

/** A config file merged with everything it extends, and which file set each key. */
export interface ConfigTree {
  /** The merged JSON (before defaults). */
  value: Record<string, unknown>;
  /** Files read, the given one last. */
  files: string[];
  /** The file that wrote a key (or an enclosing object), for messages. */
  fileOf(path: string): string;
}

/**
 * Reads `file` and the chain of files it `extends` (a path relative to the extending file);
 * objects merge key by key, the extending file winning; arrays, scalars, null and norm specs
 * replace. Checks each file's keys against the schema on the way.
 */
export function readConfigTree(file: string, schema: Schema = FILE_SCHEMA): ConfigTree {
  const chain: string[] = [];
  const issues: ConfigIssue[] = [];
  let current: string | undefined = resolve(file);
  const contents: Array<{ file: string; json: Record<string, unknown> }> = [];
  while (current !== undefined) {
    if (chain.includes(current)) {
      throw new ModelConfigError([{ file: display(current), path: 'extends', message: `cycle: ${[...chain, current].map(display).join(' -> ')}` }]);
    }
    chain.push(current);
    const json = readJson(current, chain.length > 1 ? chain[chain.length - 2] : undefined);
    issues.push(...validate(json, schema, '').map((i) => toIssue(current!, i)));
    contents.unshift({ file: current, json });
    const parent = json.extends;
    current = typeof parent === 'string' ? resolve(dirname(current), parent) : undefined;
  }
  if (issues.length > 0) throw new ModelConfigError(issues);
  const origins = new Map<string, string>();
  const value: Record<string, unknown> = {};
  for (const { file: f, json } of contents) {
    const { extends: _parent, ...own } = json;
    mergeInto(value, own, schema, '', (path) => origins.set(path, display(f)));
  }
  const leaf = display(chain[0]!);
  return {
    value,
    files: contents.map((c) => display(c.file)),
    fileOf: (path) => {
      for (let p = path.replace(/\[\d+\].*$/, ''); p !== ''; p = p.slice(0, Math.max(0, p.lastIndexOf('.')))) {
        const f = origins.get(p);
        if (f !== undefined) return f;
      }
      return leaf;
    },
  };
}

/**
 * Loads a model config file (`{ "extends"?: "base.json", "model": { … } }`): follows `extends`,
 * validates every key (unknown keys, types, ranges, allowed values, norm specs), fills the
 * detectron2 defaults and checks that the parts fit together. Throws a {@link ModelConfigError}
 * listing every problem with its file and key path.
 */
export function loadModelConfig(file: string): ModelConfig {
  const tree = readConfigTree(file);
  return resolveModelConfig((tree.value.model ?? {}) as ModelConfigInput, (path) => tree.fileOf(`.model${path}`));
}

/**
 * Validates a model config given as an object and fills defaults (what `loadModelConfig` does
 * after reading files). `source` names where it came from in messages.
 */
export function resolveModelConfig(input: ModelConfigInput, source: string | ((path: string) => string) = '(inline config)'): ModelConfig {
  const fileOf = typeof source === 'string' ? () => source : source;
  const issue = (path: string, message: string): ConfigIssue => ({ file: fileOf(path), path: `model${path}`, message });
  const schemaIssues = validate(input, MODEL_CONFIG_SCHEMA, '');
  if (schemaIssues.length > 0) throw new ModelConfigError(schemaIssues.map((i) => issue(i.path, i.message)));

  const { maskHead, ...rest } = input;
  const merged = structuredClone(MODEL_CONFIG_DEFAULTS) as Record<string, unknown>;
  mergeInto(merged, rest as Record<string, unknown>, MODEL_CONFIG_SCHEMA, '', () => {});
  const config = merged as unknown as ModelConfig;
  const issues: ConfigIssue[] = [];
  if (config.architecture === 'mask_rcnn') {
    if (maskHead === null) issues.push(issue('.maskHead', 'mask_rcnn needs a mask head; give an object (or leave it out for the defaults)'));
    config.maskHead = { ...MASK_HEAD_CONFIG_DEFAULTS, ...(maskHead ?? {}) } as MaskHeadConfig;
  } else {
    if (maskHead !== undefined && maskHead !== null) issues.push(issue('.maskHead', 'only mask_rcnn has a mask head; remove it or set it to null'));
    config.maskHead = null;
  }
  issues.push(...crossCheck(config).map((i) => issue(i.path, i.message)));
  if (issues.length > 0) throw new ModelConfigError(issues);
  return config;
}

/** Names of the FPN outputs a config produces (`p2`…`p6`). */
export function fpnOutputNames(config: Pick<ModelConfig, 'fpn'>): string[] {
  const levels = config.fpn.inFeatures.map((f) => Number(f.slice(3))).sort((a, b) => a - b);
  const names = levels.map((l) => `p${l}`);
  if (config.fpn.topBlock === 'max-pool') names.push(`p${levels[levels.length - 1]! + 1}`);
  return names;
}

/** Checks that the parts of a schema-valid config fit together. */
function crossCheck(config: ModelConfig): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const levels = config.fpn.inFeatures.map((f) => Number(f.slice(3)));
  const sorted = [...levels].sort((a, b) => a - b);
  if (new Set(levels).size !== levels.length || sorted.some((l, i) => i > 0 && l !== sorted[i - 1]! + 1)) {
    issues.push({ path: '.fpn.inFeatures', message: `expected consecutive stages without repeats, got ${JSON.stringify(config.fpn.inFeatures)}` });
    return issues;
  }
  const outputs = fpnOutputNames(config);
  const checkLevels = (path: string, names: readonly string[]) => {
    const unknown = names.filter((n) => !outputs.includes(n));
    if (unknown.length > 0) {
      issues.push({ path, message: `${unknown.map((n) => JSON.stringify(n)).join(', ')} not produced by the FPN; it produces ${outputs.join(', ')}` });
    } else if (names.some((n, i) => i > 0 && outputs.indexOf(n) !== outputs.indexOf(names[i - 1]!) + 1)) {
      issues.push({ path, message: `expected consecutive levels, finest first, got ${JSON.stringify(names)}` });
    }
  };
  checkLevels('.rpn.inFeatures', config.rpn.inFeatures);
  checkLevels('.roiHeads.inFeatures', config.roiHeads.inFeatures);
  const sizes = config.rpn.anchorSizes.length;
  if (sizes !== 1 && sizes !== config.rpn.inFeatures.length) {
    issues.push({ path: '.rpn.anchorSizes', message: `expected one list per RPN level (${config.rpn.inFeatures.length}) or a single list, got ${sizes}` });
  }
  const [low, high] = config.rpn.iouThresholds;
  if (low > high) issues.push({ path: '.rpn.iouThresholds', message: `expected [negative below, positive from] with the first <= the second, got [${low}, ${high}]` });
  if (config.boxHead.numConvs + config.boxHead.numFcs === 0) issues.push({ path: '.boxHead', message: 'needs at least one conv or FC (numConvs + numFcs >= 1)' });
  if (config.backbone.pretrained !== null && config.backbone.width !== 1) {
    issues.push({ path: '.backbone.pretrained', message: `torchvision weights need width 1, got width ${config.backbone.width}` });
  }
  const coarsest = 2 ** sorted[sorted.length - 1]!;
  if (config.input.sizeDivisibility % coarsest !== 0) {
    issues.push({ path: '.input.sizeDivisibility', message: `expected a multiple of the coarsest FPN input stride ${coarsest}, got ${config.input.sizeDivisibility}` });
  }
  return issues;
}

/** Deep merge where the schema says "object"; everything else (arrays, norm specs, null) replaces. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>, schema: Schema | undefined, path: string, record: (path: string) => void): void {
  const fields = schema?.kind === 'object' ? schema.fields : schema?.kind === 'nullable' && schema.inner.kind === 'object' ? schema.inner.fields : undefined;
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('$')) continue;
    const p = `${path}.${key}`;
    record(p);
    const field = fields?.[key];
    const mergeable = field !== undefined && (field.kind === 'object' || (field.kind === 'nullable' && field.inner.kind === 'object'));
    if (mergeable && isPlainObject(value)) {
      if (!isPlainObject(target[key])) target[key] = {};
      mergeInto(target[key] as Record<string, unknown>, value, field, p, record);
    } else {
      target[key] = structuredClone(value);
    }
  }
}

function readJson(file: string, extendedBy: string | undefined): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const where = extendedBy ? display(extendedBy) : display(file);
    const what = extendedBy ? `cannot read extended file ${display(file)}` : 'cannot read the file';
    throw new ModelConfigError([{ file: where, path: extendedBy ? 'extends' : '(file)', message: `${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelConfigError([{ file: display(file), path: '(file)', message: `invalid JSON: ${(err as Error).message}` }]);
  }
  if (!isPlainObject(json)) throw new ModelConfigError([{ file: display(file), path: '(file)', message: 'expected a JSON object at the top level' }]);
  return json;
}

function toIssue(file: string, i: SchemaIssue): ConfigIssue {
  return { file: display(file), path: i.path.replace(/^\./, '') || '(file)', message: i.message };
}

/** Paths relative to the working directory when inside it (shorter messages). */
function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
