/**
 * Study options: the full default run, the `--quick` CI preset, and the command-line parser.
 * Flags are `--name value` or `--name=value` (Nx appends them verbatim).
 */
import { join } from 'node:path';
import type { BackendChoice } from '@kestrel/runtime';
import { parseBackendChoice } from '@kestrel/runtime';
import type { CropDatasetOptions } from './data';
import { isStudyNorm, STUDY_NORMS, type NormSettings, type StudyNorm } from './norms';

export interface StudyOptions {
  norms: StudyNorm[];
  batchSizes: number[];
  seeds: number[];
  /** Training images seen by every cell (rounded up to a multiple of every batch size). */
  images: number;
  /** Peak learning rate at `referenceBatch`; other batch sizes scale it linearly. */
  baseLr: number;
  referenceBatch: number;
  /** Linear warm-up as a fraction of the images. */
  warmupFraction: number;
  momentum: number;
  weightDecay: number;
  widths: number[];
  data: CropDatasetOptions;
  normSettings: NormSettings;
  /** Run folder; default runs/norm-study/<timestamp>. */
  out?: string;
  backend: BackendChoice;
  /** wasm XNNPACK threads (default 1: for convs this small, thread hand-offs cost more than they save). */
  threads: number;
  quick: boolean;
}

/** The full study: 5 norms × 5 batch sizes × 2 seeds (about 40–50 min on 2 idle cores). */
export const FULL_OPTIONS: Readonly<StudyOptions> = Object.freeze({
  norms: [...STUDY_NORMS],
  batchSizes: [1, 2, 4, 8, 16],
  seeds: [1, 2],
  images: 4000,
  baseLr: 0.05,
  referenceBatch: 16,
  warmupFraction: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  widths: [16, 32, 64, 64],
  data: {},
  normSettings: {},
  backend: 'wasm',
  threads: 1,
  quick: false,
});

/** CI preset: 2 norms × 2 batch sizes × 1 seed on a few hundred crops (well under a minute). */
export const QUICK_OPTIONS: Readonly<Partial<StudyOptions>> = Object.freeze({
  norms: ['bn', 'cbn'] as StudyNorm[],
  batchSizes: [2, 8],
  seeds: [1],
  images: 160,
  widths: [8, 16, 16, 16],
  data: { trainScenes: 40, valScenes: 20 },
  quick: true,
});

export const USAGE = `Usage: nx run norm-study:study [flags]   (or: npx tsx apps/norm-study/src/main.ts [flags])

Trains the same small CNN on crops of the built-in shapes dataset with each norm at each batch
size (same images seen, learning rate scaled linearly with the batch) and writes a table
(markdown + JSON) and a plot of validation accuracy vs batch size.

  --quick                 CI-sized run (bn, cbn × batch 2, 8 × 1 seed, tiny data)
  --out DIR               run folder (default runs/norm-study/<timestamp>)
  --seeds 1,2,3           training seeds (default 1,2)
  --norms bn,gn,...       norms from ${STUDY_NORMS.join(', ')} (default all)
  --batches 1,2,4,8,16    batch sizes (default 1,2,4,8,16)
  --images N              training images per cell (default 4000)
  --lr X                  peak learning rate at the reference batch (default 0.05)
  --reference-batch N     batch size the --lr is for (default 16)
  --warmup F              warm-up fraction of the images (default 0.05)
  --weight-decay X        (default 5e-4)
  --widths 16,32,64,64    channels of the conv blocks
  --train-scenes N        shapes scenes rendered for training crops (default 400)
  --val-scenes N          scenes for validation crops (default 100)
  --cbn-window K|auto     CBN window (auto: smallest k with k·batch >= --cbn-examples, min 2)
  --cbn-examples N        examples 'auto' aims at (default 16)
  --cbn-burnin F          CBN burn-in as a fraction of a cell's steps (default 0.25)
  --cbn-blocks N|all      apply cbn/cbn-naive only in the last N conv blocks, BN before (default all)
  --backend B             auto, tensorflow, wasm, cpu (default wasm)
  --threads N             wasm threads (default 1: faster than 2 for this tiny model)
  --help`;

export class UsageError extends Error {}

function list<T>(value: string, flag: string, parse: (item: string) => T): T[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list, got "${value}"`);
  return items.map(parse);
}

function integer(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: expected an integer >= ${min}, got "${value}"`);
  return n;
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a positive number, got "${value}"`);
  return n;
}

function fraction(value: string, flag: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new UsageError(`${flag}: expected a number in [0, 1], got "${value}"`);
  return n;
}

/** Parses argv (without node and script) into options; `help` asks for the usage text. */
export function parseArgs(argv: readonly string[]): StudyOptions & { help: boolean } {
  const flags = new Map<string, string>();
  let help = false;
  let quick = false;
  const booleans = new Set(['--quick', '--help', '-h']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) throw new UsageError(`unexpected argument "${arg}"`);
    if (booleans.has(arg)) {
      if (arg === '--quick') quick = true;
      else help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const [name, value] = eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, argv[++i]];
    if (value === undefined) throw new UsageError(`${name}: missing value`);
    flags.set(name, value);
  }
  const o: StudyOptions = structuredClone({ ...FULL_OPTIONS, ...(quick ? QUICK_OPTIONS : {}) }) as StudyOptions;
  const data: CropDatasetOptions = { ...o.data };
  const normSettings: NormSettings = { ...o.normSettings };
  for (const [name, value] of flags) {
    switch (name) {
      case '--out':
        o.out = value;
        break;
      case '--seeds':
        o.seeds = list(value, name, (s) => integer(s, name, 0));
        break;
      case '--norms':
        o.norms = list(value, name, (s) => {
          if (!isStudyNorm(s)) throw new UsageError(`${name}: unknown norm "${s}"; expected one of ${STUDY_NORMS.join(', ')}`);
          return s;
        });
        break;
      case '--batches':
        o.batchSizes = list(value, name, (s) => integer(s, name, 1));
        break;
      case '--images':
        o.images = integer(value, name, 1);
        break;
      case '--lr':
        o.baseLr = positive(value, name);
        break;
      case '--reference-batch':
        o.referenceBatch = integer(value, name, 1);
        break;
      case '--warmup':
        o.warmupFraction = fraction(value, name);
        break;
      case '--weight-decay':
        o.weightDecay = Number(value);
        if (!(o.weightDecay >= 0)) throw new UsageError(`${name}: expected a number >= 0, got "${value}"`);
        break;
      case '--widths':
        o.widths = list(value, name, (s) => integer(s, name, 1));
        break;
      case '--train-scenes':
        data.trainScenes = integer(value, name, 1);
        break;
      case '--val-scenes':
        data.valScenes = integer(value, name, 1);
        break;
      case '--cbn-window':
        normSettings.cbnWindow = value === 'auto' ? 'auto' : integer(value, name, 1);
        break;
      case '--cbn-examples':
        normSettings.cbnExamples = integer(value, name, 1);
        break;
      case '--cbn-burnin':
        normSettings.cbnBurnin = fraction(value, name);
        break;
      case '--cbn-blocks':
        normSettings.cbnBlocks = value === 'all' ? 'all' : integer(value, name, 1);
        break;
      case '--backend':
        try {
          o.backend = parseBackendChoice(value, name);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        break;
      case '--threads':
        o.threads = integer(value, name, 1);
        break;
      default:
        throw new UsageError(`unknown flag "${name}"`);
    }
  }
  o.data = data;
  o.normSettings = normSettings;
  o.quick = quick;
  if (new Set(o.seeds).size !== o.seeds.length) throw new UsageError('--seeds: seeds must be distinct');
  o.batchSizes = [...new Set(o.batchSizes)].sort((a, b) => a - b);
  return { ...o, help };
}

/** runs/norm-study/2026-01-31T12-00-00 (local time, file-name safe). */
export function defaultRunDir(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
  return join('runs', 'norm-study', stamp);
}
