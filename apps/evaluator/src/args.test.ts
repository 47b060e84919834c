import { parseArgs, UsageError } from './args';

describe('parseArgs', () => {
  it('reads --flag value and --flag=value forms', () => {
    expect(parseArgs(['--gt', 'a.json', '--dt=b.json', '--iou-type', 'segm', '--out', 'm.json', '--workers=2'])).toEqual({
      gt: 'a.json',
      dt: 'b.json',
      iouType: 'segm',
      out: 'm.json',
      runsDir: 'runs',
      workers: 2,
      help: false,
    });
  });

  it('has defaults: no files, iou type decided later, runs/, auto workers', () => {
    expect(parseArgs([])).toEqual({ gt: undefined, dt: undefined, iouType: undefined, out: undefined, runsDir: 'runs', workers: 'auto', help: false });
    expect(parseArgs(['--help']).help).toBe(true);
  });

  it.each([
    [['--iou-type', 'keypoints'], /--iou-type must be bbox, segm or both/],
    [['--gt'], /--gt needs a value/],
    [['--gt', '--dt', 'x'], /--gt needs a value/],
    [['--dt='], /--dt needs a value/],
    [['--gt', 'a', '--gt', 'b'], /--gt given twice/],
    [['--workers', '-1'], /--workers must be a non-negative integer or auto/],
    [['results.json'], /unknown argument "results.json"/],
    [['--verbose'], /unknown argument "--verbose"/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
