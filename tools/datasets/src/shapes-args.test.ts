import { parseShapesArgs } from './shapes-args';

describe('datasets:shapes arguments', () => {
  it('reads --flag value and --flag=value', () => {
    expect(parseShapesArgs(['--out', 'x/y', '--seed=3', '--train', '20', '--val=5', '--size', '128', '--crowd', '0.5'])).toEqual({
      out: 'x/y',
      help: false,
      options: { seed: 3, trainImages: 20, valImages: 5, imageSize: 128, crowdProbability: 0.5 },
    });
  });

  it('defaults the output folder and recognises --help', () => {
    expect(parseShapesArgs([])).toEqual({ out: 'tmp/shapes', options: {}, help: false });
    expect(parseShapesArgs(['--help']).help).toBe(true);
  });

  it.each([
    [['--train', 'many'], '--train: expected a number, got "many"'],
    [['--seed'], '--seed needs a value'],
    [['--colour', 'red'], 'unknown flag --colour; known: --out, --seed, --train'],
    [['extra'], 'unexpected argument "extra"'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseShapesArgs(argv)).toThrow(message);
  });
});
