import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseTrainerArgs, UsageError } from './cli';
import { DEFAULT_TRAIN_CONFIG, loadTrainConfig, scaleSteps, TrainConfigError } from './load-config';

const ROOT = resolve(__dirname, '../../../..');
const MODELS = join(ROOT, 'configs/models');

let dir: string;
let cwd: string;
beforeAll(() => {
  cwd = process.cwd();
  process.chdir(ROOT);
  dir = mkdtempSync(join(tmpdir(), 'kestrel-config-'));
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

/** A config file extending the CPU Faster R-CNN model config, plus `body`. */
function configFile(name: string, body: Record<string, unknown> | string): string {
  const file = join(dir, name);
  const json = typeof body === 'string' ? body : JSON.stringify({ extends: relative(dir, join(MODELS, 'faster_rcnn_R18_FPN_cpu.json')), data: { dataset: 'shapes' }, ...body });
  writeFileSync(file, json);
  return file;
}

function load(argv: string[]) {
  return loadTrainConfig(parseTrainerArgs(argv));
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TrainConfigError || error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a config error');
}

describe('loadTrainConfig', () => {
  it('loads the default run: CPU Faster R-CNN with CBN on the shapes dataset, detectron2 solver defaults elsewhere', () => {
    const { config, runDir, files } = load([]);
    expect(files.map((f) => f.replace(/\\/g, '/'))).toEqual(['configs/models/base_rcnn_fpn.json', 'configs/models/faster_rcnn_R18_FPN_cpu.json', DEFAULT_TRAIN_CONFIG]);
    expect(config.model.backbone.norm).toBe('cbn');
    expect(config.data.dataset).toBe('shapes');
    expect(config.solver).toMatchObject({ imsPerBatch: 2, momentum: 0.9, weightDecay: 1e-4, weightDecayNorm: 0, referenceBatchSize: 16, gamma: 0.1, warmupFactor: 0.001 });
    expect(config.train.backend).toBe('auto');
    expect(runDir).toBe(resolve('runs/faster_rcnn_R18_FPN_cpu_shapes_cbn'));
  });

  it('--norm sets the norm of every part that has one (and the run name)', () => {
    const { config, runDir } = load(['--norm=gn']);
    const m = config.model;
    expect([m.backbone.norm, m.fpn.norm, m.boxHead.norm, m.boxHead.fcNorm]).toEqual(['gn', 'gn', 'gn', 'gn']);
    expect(runDir).toMatch(/faster_rcnn_R18_FPN_cpu_shapes_gn$/);
    const mask = load([`--config=${join(ROOT, 'configs/train/mask_rcnn_R18_FPN_cpu_shapes.json')}`, '--norm={"type":"gn","groups":16}']).config.model;
    expect(mask.maskHead!.norm).toEqual({ type: 'gn', groups: 16 });
    expect(mask.backbone.norm).toEqual({ type: 'gn', groups: 16 });
  });

  it('shorthands and dotted paths override the files', () => {
    const { config, runDir } = load(['--iters', '1000', '--lr=0.08', '--batchSize=4', '--backend=cpu', '--out=/tmp/x', '--solver.warmupIters=7', '--model.rpn.nmsThreshold=0.6', '--output.overlays=0']);
    expect(config.solver).toMatchObject({ maxIter: 1000, baseLr: 0.08, imsPerBatch: 4, warmupIters: 7, steps: [800] });
    expect(config.train.backend).toBe('cpu');
    expect(config.model.rpn.nmsThreshold).toBe(0.6);
    expect(config.output.overlays).toBe(0);
    expect(runDir).toBe(resolve('/tmp/x'));
  });

  it('scales multistep milestones with --iters and drops those that collapse', () => {
    expect(scaleSteps([60000, 80000], 90000, 900)).toEqual([600, 800]);
    expect(scaleSteps([2, 3], 100, 10)).toEqual([]);
  });

  // Each bad input → the file (or flag) that set it, the key and what was expected.
  const cases: Array<[string, () => string, RegExp]> = [
    ['unknown key in a file', () => configFile('unknown.json', { solver: { maxIters: 5 } }), /unknown\.json: solver\.maxIters: unknown key; expected one of maxIter, imsPerBatch, baseLr/],
    ['wrong type', () => configFile('type.json', { solver: { imsPerBatch: 'two' } }), /type\.json: solver\.imsPerBatch: expected an integer >= 1, got "two"/],
    ['value not allowed', () => configFile('backend.json', { train: { backend: 'gpu' } }), /backend\.json: train\.backend: expected one of "auto", "tensorflow", "wasm", "cpu", got "gpu"/],
    ['out of range', () => configFile('gamma.json', { solver: { gamma: 2 } }), /gamma\.json: solver\.gamma: expected a number in \(0, 1\], got 2/],
    ['model key', () => configFile('depth.json', { model: { backbone: { depth: 19 } } }), /depth\.json: model\.backbone\.depth: expected one of 18, 34, 50, 101, got 19/],
    ['bad norm in a file', () => configFile('norm.json', { model: { fpn: { norm: 'batchnorm' } } }), /norm\.json: model\.fpn\.norm: .*unknown norm type "batchnorm".*cbn/],
    ['milestone after the end', () => configFile('steps.json', { solver: { maxIter: 100, steps: [150] } }), /steps\.json: solver\.steps: expected iterations below solver\.maxIter \(100\), got \[150\]/],
    ['coco without files', () => configFile('coco.json', { data: { dataset: 'coco' } }), /coco\.json: data\.train: dataset "coco" needs the training split[\s\S]*data\.val: dataset "coco" needs the validation split/],
    ['class count for shapes', () => configFile('classes.json', { model: { numClasses: 80 } }), /classes\.json: model\.numClasses: the built-in shapes dataset has 5 classes, got 80/],
    ['object range', () => configFile('objects.json', { data: { dataset: 'shapes', shapes: { minObjects: 5, maxObjects: 2 } } }), /objects\.json: data\.shapes\.minObjects: expected at most data\.shapes\.maxObjects \(2\), got 5/],
    ['missing extended file', () => configFile('parent.json', JSON.stringify({ extends: 'nope.json' })), /parent\.json: extends: cannot read extended file .*nope\.json: ENOENT/],
    ['invalid JSON', () => configFile('broken.json', '{"solver": {'), /broken\.json: \(file\): invalid JSON/],
    ['several problems at once', () => configFile('many.json', { solver: { momentum: -1 }, output: { overlays: 'all' } }), /solver\.momentum: expected a number in \[0, 1\], got -1[\s\S]*output\.overlays: expected an integer in \[0, 100\], got "all"/],
  ];
  it.each(cases)('file: %s', (_name, make, message) => {
    const file = make();
    expect(errorOf(() => load([`--config=${file}`]))).toMatch(message);
  });

  const flagCases: Array<[string, string[], RegExp]> = [
    ['unknown dotted key', ['--solver.lrr=0.1'], /\(command line\): --solver\.lrr: unknown key "solver\.lrr"; expected one of solver\.maxIter/],
    ['dotted value of the wrong type', ['--solver.gamma=2'], /\(command line --solver\.gamma\): solver\.gamma: expected a number in \(0, 1\], got 2/],
    ['shorthand value not allowed', ['--backend=gpu'], /\(command line --backend\): train\.backend: expected one of "auto", "tensorflow", "wasm", "cpu", got "gpu"/],
    ['unknown norm', ['--norm=bogus'], /\(command line\): --norm: .*unknown norm type "bogus"; expected one of .*cbn/],
    ['unknown norm option', ['--norm={"type":"cbn","windw":4}'], /\(command line\): --norm: unknown option "windw" for norm "cbn"; accepted options: window, burnin/],
    ['setting inside a number', ['--solver.maxIter.x=1'], /"solver\.maxIter" is not an object/],
    ['missing config file', ['--config=/nonexistent/train.json'], /\/nonexistent\/train\.json: \(file\): cannot read the file: ENOENT/],
    ['iters not an integer', ['--iters=abc'], /--iters: expected an integer >= 1, got "abc"/],
    ['lr not positive', ['--lr=-1'], /--lr: expected a number > 0, got "-1"/],
    ['unknown option', ['--epochs=3'], /unknown option --epochs; known: --config/],
    ['unknown section', ['--optim.lr=3'], /--optim\.lr: unknown config section "optim"; expected one of model, data, solver, train, output/],
    ['flag without value', ['--out'], /--out: expected a value/],
    ['resume with overwrite', ['--resume', '--overwrite'], /--resume and --overwrite exclude each other/],
  ];
  it.each(flagCases)('command line: %s', (_name, argv, message) => {
    expect(errorOf(() => load(argv))).toMatch(message);
  });
});
