import { defaultRunDir, FULL_OPTIONS, parseArgs, UsageError } from './options';

describe('parseArgs', () => {
  it('defaults to the full study with more than one seed', () => {
    const o = parseArgs([]);
    expect(o.norms).toEqual(['bn', 'gn', 'brn', 'cbn-naive', 'cbn']);
    expect(o.batchSizes).toEqual([1, 2, 4, 8, 16]);
    expect(o.seeds.length).toBeGreaterThan(1);
    expect(o.quick).toBe(false);
    expect(o.help).toBe(false);
    expect(o.out).toBeUndefined();
  });

  it('--quick picks the CI preset, and flags still override it', () => {
    const quick = parseArgs(['--quick']);
    expect(quick.quick).toBe(true);
    expect(quick.norms).toHaveLength(2);
    expect(quick.batchSizes).toHaveLength(2);
    expect(quick.seeds).toEqual([1]);
    expect(quick.images).toBeLessThan(FULL_OPTIONS.images);
    expect(parseArgs(['--quick', '--seeds', '3,4']).seeds).toEqual([3, 4]);
  });

  it('reads both --flag value and --flag=value', () => {
    const o = parseArgs(['--seeds=1,2,3', '--out', 'x/y', '--norms', 'cbn,gn', '--batches=16,1,2', '--lr', '0.02', '--cbn-window', '4']);
    expect(o.seeds).toEqual([1, 2, 3]);
    expect(o.out).toBe('x/y');
    expect(o.norms).toEqual(['cbn', 'gn']);
    expect(o.batchSizes).toEqual([1, 2, 16]);
    expect(o.baseLr).toBe(0.02);
    expect(o.normSettings.cbnWindow).toBe(4);
    expect(parseArgs(['--cbn-window', 'auto']).normSettings.cbnWindow).toBe('auto');
    expect(parseArgs(['--cbn-blocks', '1']).normSettings.cbnBlocks).toBe(1);
  });

  it('does not mutate the defaults', () => {
    parseArgs(['--train-scenes', '5', '--cbn-burnin', '0.5']);
    expect(FULL_OPTIONS.data).toEqual({});
    expect(FULL_OPTIONS.normSettings).toEqual({});
  });

  it.each([
    [['--norms', 'bn,foo'], /unknown norm "foo"/],
    [['--seeds', '1,1'], /distinct/],
    [['--seeds', '-1'], /integer >= 0/],
    [['--batches', '0'], /integer >= 1/],
    [['--lr', 'abc'], /positive number/],
    [['--cbn-burnin', '2'], /\[0, 1\]/],
    [['--backend', 'gpu'], /unknown backend/],
    [['--bogus', '1'], /unknown flag "--bogus"/],
    [['--out'], /missing value/],
    [['stray'], /unexpected argument/],
  ])('rejects %p', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('names run folders by local time', () => {
    expect(defaultRunDir(new Date(2026, 0, 31, 9, 5, 7))).toBe('runs/norm-study/2026-01-31T09-05-07');
  });
});
