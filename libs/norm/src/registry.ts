import { BatchNorm, type BatchNormOptions } from './batch-norm';
import { BatchRenorm, type BatchRenormOptions } from './batch-renorm';
import { CrossIterationBatchNorm, type CbnOptions } from './cbn/cross-iteration-bn';
import { FrozenBatchNorm, type FrozenBatchNormOptions } from './frozen-batch-norm';
import { GroupNorm, type GroupNormOptions } from './group-norm';
import { IdentityNorm } from './identity-norm';
import type { Norm } from './norm';

/** A norm by name (`'cbn'`) or with options (`{ type: 'gn', groups: 16 }`). */
export type NormSpec = string | NormObjectSpec;
export interface NormObjectSpec {
  type: string;
  [option: string]: unknown;
}

/** How to build one norm type: its accepted option names and a constructor. */
export interface NormDefinition<Options extends object = Record<string, unknown>> {
  /** Option names accepted besides `type` (unknown ones are rejected, naming these). */
  options: readonly string[];
  /** One line for help texts and READMEs. */
  description: string;
  create(numChannels: number, options: Options): Norm;
}

const registry = new Map<string, NormDefinition<never>>();

/** Adds a norm type (e.g. from a user's own library). Replacing one needs `{ replace: true }`. */
export function registerNorm<Options extends object>(
  type: string,
  definition: NormDefinition<Options>,
  { replace = false }: { replace?: boolean } = {},
): void {
  if (!/^[a-z][a-z0-9-]*$/.test(type)) throw new Error(`registerNorm: type "${type}" must be lower-case kebab-case`);
  if (registry.has(type) && !replace) throw new Error(`registerNorm: norm type "${type}" is already registered`);
  registry.set(type, definition as NormDefinition<never>);
}

/** Registered norm types with their descriptions. */
export function normTypes(): Array<{ type: string; description: string; options: readonly string[] }> {
  return [...registry].map(([type, d]) => ({ type, description: d.description, options: d.options }));
}

/**
 * Validates a spec: known type, known option names. `source` names where the spec came from
 * (a config path such as `model.fpn.norm`) in the error message.
 */
export function parseNormSpec(spec: NormSpec, source = 'norm'): { type: string; options: Record<string, unknown> } {
  const { type, ...options } = typeof spec === 'string' ? { type: spec } : spec;
  if (typeof type !== 'string') throw new Error(`${source}: expected a norm type string or { type, ...options }`);
  const definition = registry.get(type);
  if (!definition) {
    throw new Error(`${source}: unknown norm type "${type}"; expected one of ${[...registry.keys()].join(', ')}`);
  }
  for (const key of Object.keys(options)) {
    if (!definition.options.includes(key)) {
      const accepted = definition.options.length ? definition.options.join(', ') : 'none';
      throw new Error(`${source}: unknown option "${key}" for norm "${type}"; accepted options: ${accepted}`);
    }
  }
  return { type, options };
}

/** Builds a norm over `numChannels` channels from a spec. */
export function createNorm(spec: NormSpec, numChannels: number, source = 'norm'): Norm {
  if (!Number.isInteger(numChannels) || numChannels < 1) {
    throw new Error(`${source}: number of channels must be a positive integer, got ${numChannels}`);
  }
  const { type, options } = parseNormSpec(spec, source);
  try {
    return registry.get(type)!.create(numChannels, options as never);
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
}

const BN_OPTIONS = ['eps', 'momentum', 'affine', 'frozenStats'] as const;
const CBN_OPTIONS = ['window', 'burnin', 'rho', 'eps', 'momentum', 'guard', 'running', 'affine'] as const;

registerNorm<CbnOptions>('cbn', {
  options: CBN_OPTIONS,
  description: 'Cross-Iteration BatchNorm (default): statistics of the last k iterations, Taylor-compensated',
  create: (c, o) => new CrossIterationBatchNorm(c, o),
});
registerNorm<Omit<CbnOptions, 'rho'>>('cbn-naive', {
  options: CBN_OPTIONS.filter((o) => o !== 'rho'),
  description: 'cross-iteration average without Taylor compensation (cbn with rho 0)',
  create: (c, o) => new CrossIterationBatchNorm(c, { ...o, rho: 0 }),
});
registerNorm<BatchNormOptions>('bn', {
  options: BN_OPTIONS,
  description: 'BatchNorm, PyTorch semantics; frozenStats: true is mmdetection norm_eval',
  create: (c, o) => new BatchNorm(c, o),
});
registerNorm<FrozenBatchNormOptions>('frozen-bn', {
  options: ['eps'],
  description: 'fixed affine transform from running statistics (pretrained backbones)',
  create: (c, o) => new FrozenBatchNorm(c, o),
});
registerNorm<GroupNormOptions>('gn', {
  options: ['groups', 'channelsPerGroup', 'eps', 'affine'],
  description: 'GroupNorm, 32 groups by default',
  create: (c, o) => new GroupNorm(c, o, 'gn'),
});
registerNorm<Pick<GroupNormOptions, 'eps' | 'affine'>>('ln', {
  options: ['eps', 'affine'],
  description: 'LayerNorm over (H, W, C) per sample (GroupNorm with one group)',
  create: (c, o) => new GroupNorm(c, { ...o, groups: 1 }, 'ln'),
});
registerNorm<Pick<GroupNormOptions, 'eps' | 'affine'>>('in', {
  options: ['eps', 'affine'],
  description: 'InstanceNorm over (H, W) per sample and channel (GroupNorm with one channel per group)',
  create: (c, o) => new GroupNorm(c, { ...o, channelsPerGroup: 1 }, 'in'),
});
registerNorm<BatchRenormOptions>('brn', {
  options: ['rmax', 'dmax', 'rmaxRamp', 'dmaxRamp', 'momentum', 'eps', 'affine'],
  description: 'Batch Renormalization (Ioffe 2017) with rmax 1→3 and dmax 0→5 ramps',
  create: (c, o) => new BatchRenorm(c, o),
});
registerNorm<Record<string, never>>('none', {
  options: [],
  description: 'no normalization',
  create: (c) => new IdentityNorm(c),
});
