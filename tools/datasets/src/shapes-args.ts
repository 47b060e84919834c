/** Command-line flags of `nx run datasets:shapes`, parsed without a dependency. */
import { DEFAULT_SHAPES_OPTIONS, type ShapesDatasetOptions } from '@kestrel/coco-data';

export interface ShapesCommand {
  out: string;
  options: ShapesDatasetOptions;
  help: boolean;
}

export const SHAPES_USAGE = `Generate the built-in synthetic COCO shapes dataset.

Usage: npx nx run datasets:shapes -- [--out DIR] [--seed N] [--train N] [--val N] [--size S]
                                     [--min-objects N] [--max-objects N] [--crowd P]

  --out DIR          output folder (default tmp/shapes); gets train/, val/, annotations/
  --seed N           random seed; the same seed gives byte-identical files (default ${DEFAULT_SHAPES_OPTIONS.seed})
  --train N          training images (default ${DEFAULT_SHAPES_OPTIONS.trainImages})
  --val N            validation images (default ${DEFAULT_SHAPES_OPTIONS.valImages})
  --size S           square image side in pixels (default ${DEFAULT_SHAPES_OPTIONS.imageSize})
  --min-objects N    fewest shapes per image (default ${DEFAULT_SHAPES_OPTIONS.minObjects})
  --max-objects N    most shapes per image (default ${DEFAULT_SHAPES_OPTIONS.maxObjects})
  --crowd P          probability of a crowd region per image (default ${DEFAULT_SHAPES_OPTIONS.crowdProbability})
  --help             this text`;

const NUMERIC_FLAGS: Record<string, keyof ShapesDatasetOptions> = {
  seed: 'seed',
  train: 'trainImages',
  val: 'valImages',
  size: 'imageSize',
  'min-objects': 'minObjects',
  'max-objects': 'maxObjects',
  crowd: 'crowdProbability',
};

/** Accepts `--flag value` and `--flag=value`; unknown flags and bad numbers are errors. */
export function parseShapesArgs(argv: readonly string[]): ShapesCommand {
  const command: ShapesCommand = { out: 'tmp/shapes', options: {}, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      command.help = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument "${arg}"; expected --flag value (see --help)`);
    const name = match[1] as string;
    let value = match[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
    }
    if (name === 'out') {
      command.out = value;
      continue;
    }
    const option = NUMERIC_FLAGS[name];
    if (!option) throw new Error(`unknown flag --${name}; known: --out, ${Object.keys(NUMERIC_FLAGS).map((f) => `--${f}`).join(', ')}`);
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) throw new Error(`--${name}: expected a number, got "${value}"`);
    (command.options as Record<string, number>)[option] = number;
  }
  return command;
}
