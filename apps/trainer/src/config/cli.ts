/**
 * Command-line arguments of `nx run trainer:train`. Shorthands cover the common changes; any other
 * config key is set with its dotted path (`--solver.warmupIters=200`, `--model.rpn.nmsThreshold=0.6`).
 */

export const USAGE = `usage: nx run trainer:train [options]

  --config FILE        training config (default configs/train/faster_rcnn_R18_FPN_cpu_shapes.json)
  --norm SPEC          norm of every part that has one (backbone, FPN, box and mask heads):
                       cbn, bn, frozen-bn, gn, ln, in, brn, cbn-naive, none, or JSON like
                       '{"type":"gn","groups":16}'
  --batchSize N        images per iteration (solver.imsPerBatch); also --batch-size after "--"
                       (nx itself takes a plain --batch-size) and --ims-per-batch
  --iters N            iterations (solver.maxIter); solver.steps are scaled along
  --lr X               base learning rate at solver.referenceBatchSize images (solver.baseLr)
  --backend NAME       auto | tensorflow | wasm | cpu (train.backend)
  --out DIR            run folder (default runs/<config name>_<backbone norm>)
  --resume             continue the run in the run folder from its latest checkpoint
  --overwrite          delete an existing run folder's checkpoints and start again
  --<section.key>=V    any config key by its dotted path; V is JSON (numbers, true, [1,2], {...})
                       or a plain string
  --help               this text`;

/** A problem with the command line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One `--a.b.c=value` assignment. */
export interface PathOverride {
  /** Dotted config path, e.g. `solver.warmupIters`. */
  path: string;
  value: unknown;
  /** The flag as typed, for messages. */
  flag: string;
}

export interface TrainerArgs {
  config?: string;
  norm?: unknown;
  batchSize?: number;
  iters?: number;
  lr?: number;
  backend?: string;
  out?: string;
  resume: boolean;
  overwrite: boolean;
  help: boolean;
  overrides: PathOverride[];
}

const VALUE_FLAGS = ['config', 'norm', 'batch-size', 'batchSize', 'ims-per-batch', 'iters', 'lr', 'backend', 'out'] as const;
const BOOLEAN_FLAGS = ['resume', 'overwrite', 'help'] as const;
const SECTIONS = ['model', 'data', 'solver', 'train', 'output'];

/** A JSON value if the text parses as one, else the text itself (so `--x=cbn` needs no quotes). */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseNumber(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  const ok = text.trim() !== '' && Number.isFinite(value) && (!integer || Number.isInteger(value)) && value > 0;
  if (!ok) throw new UsageError(`--${flag}: expected ${integer ? 'an integer >= 1' : 'a number > 0'}, got ${JSON.stringify(text)}`);
  return value;
}

export function parseTrainerArgs(argv: readonly string[]): TrainerArgs {
  const args: TrainerArgs = { resume: false, overwrite: false, help: false, overrides: [] };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') continue; // `nx run trainer:train -- --batch-size=2`
    if (!token.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(token)}; options start with --`);
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    if ((BOOLEAN_FLAGS as readonly string[]).includes(name)) {
      const on = inline === undefined || inline === 'true';
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`--${name}: expected no value, true or false, got ${JSON.stringify(inline)}`);
      args[name as (typeof BOOLEAN_FLAGS)[number]] = on;
      continue;
    }
    const isPath = name.includes('.');
    if (!isPath && !(VALUE_FLAGS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown option --${name}; known: ${[...VALUE_FLAGS, ...BOOLEAN_FLAGS].map((f) => `--${f}`).join(', ')}, or --<section>.<key> (sections: ${SECTIONS.join(', ')})`);
    }
    let text = inline;
    if (text === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name}: expected a value`);
      text = next;
      i++;
    }
    if (isPath) {
      const section = name.split('.')[0]!;
      if (!SECTIONS.includes(section)) throw new UsageError(`--${name}: unknown config section "${section}"; expected one of ${SECTIONS.join(', ')}`);
      args.overrides.push({ path: name, value: parseValue(text), flag: `--${name}` });
      continue;
    }
    switch (name) {
      case 'config':
      case 'backend':
      case 'out':
        args[name] = text;
        break;
      case 'norm':
        args.norm = parseValue(text);
        break;
      case 'batch-size':
      case 'batchSize':
      case 'ims-per-batch':
        args.batchSize = parseNumber(name, text, true);
        break;
      case 'iters':
        args.iters = parseNumber(name, text, true);
        break;
      case 'lr':
        args.lr = parseNumber(name, text, false);
        break;
    }
  }
  if (args.resume && args.overwrite) throw new UsageError('--resume and --overwrite exclude each other');
  return args;
}
