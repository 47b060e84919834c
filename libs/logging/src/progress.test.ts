import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import { Progress, formatDuration, formatNumber, renderBar } from './progress';

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('progress helpers', () => {
  it('renders bars, durations and numbers', () => {
    expect(renderBar(0, 4)).toBe('[----]');
    expect(renderBar(0.5, 4)).toBe('[##--]');
    expect(renderBar(2, 4)).toBe('[####]');
    expect(formatDuration(59)).toBe('0:59');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('--:--');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1234567)).toBe('1.23e+6');
  });
});

describe('Progress', () => {
  it('draws a live bar with rate and ETA on a TTY-like stream', () => {
    const clock = fakeClock();
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    const progress = new Progress({ total: 10, label: 'train', stream, live: true, now: clock.now });
    clock.advance(2000);
    progress.update(4, { loss: 0.5 });
    expect(text).toContain('train [##########--------------] 4/10 2 it/s ETA 0:03 loss=0.5');
    clock.advance(3000);
    progress.update(10);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('logs at most once per interval when not live, and always at the end', () => {
    const clock = fakeClock();
    const records: object[] = [];
    const logger = { info: (obj: object) => records.push(obj) } as unknown as Logger;
    const progress = new Progress({ total: 100, label: 'eval', logger, live: false, logIntervalMs: 1000, now: clock.now });
    for (let i = 1; i <= 100; i++) {
      clock.advance(50);
      progress.update(i);
    }
    // 5 s in total at one line per second, plus the final one.
    expect(records).toHaveLength(5);
    expect(records[records.length - 1]).toMatchObject({ task: 'eval', done: 100, total: 100 });
  });

  it('rejects a non-positive total', () => {
    expect(() => new Progress({ total: 0, label: 'x' })).toThrow('progress "x": total must be > 0, got 0');
  });
});
