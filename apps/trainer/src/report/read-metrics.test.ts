import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsFileError, parseMetrics, readMetrics } from './read-metrics';
import { syntheticRecords } from './test-records';

const train = { type: 'train', iter: 20, time: 10, lr: 0.01, losses: { total_loss: 1, loss_rpn_cls: 0.1, loss_rpn_loc: 0.2, loss_cls: 0.3, loss_box_reg: 0.4 }, imagesPerSecond: 4, dataTime: 0.01 };
const evalRecord = { type: 'eval', iter: 20, time: 12, bbox: { AP: 1, AP50: 2, AP75: 3, APs: 4, APm: 5, APl: 6 } };
const jsonl = (...lines: unknown[]): string => lines.map((l) => `${typeof l === 'string' ? l : JSON.stringify(l)}\n`).join('');

describe('readMetrics', () => {
  it('reads back what the trainer writes', () => {
    const records = syntheticRecords({ iterations: 200, period: 20, evalPeriod: 100 });
    const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
    try {
      const file = join(dir, 'metrics.jsonl');
      writeFileSync(file, jsonl(...records));
      expect(readMetrics(file)).toEqual(records);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips blank lines and reads a null loss (JSON for NaN) as NaN', () => {
    const diverged = { ...train, losses: { ...train.losses, total_loss: null } };
    const records = parseMetrics(`${jsonl(train)}\n${jsonl(diverged, evalRecord)}`, 'm.jsonl');
    expect(records.map((r) => r.type)).toEqual(['train', 'train', 'eval']);
    expect(records[1]!.type === 'train' && records[1]!.losses.total_loss).toBeNaN();
  });

  it('ignores a last line cut short by a crash', () => {
    const text = jsonl(train, evalRecord) + JSON.stringify(train).slice(0, 30);
    expect(parseMetrics(text, 'm.jsonl')).toHaveLength(2);
  });

  it.each([
    ['a broken line that is not the last', jsonl(train) + '{"type":"train",\n' + jsonl(train), /^m\.jsonl:2: not valid JSON/],
    ['a complete bad last line', jsonl(train) + '{"type":"train"\n', /^m\.jsonl:2: not valid JSON/],
    ['an unknown type', jsonl({ ...train, type: 'test' }), /^m\.jsonl:1: "type" must be "train" or "eval", got "test"/],
    ['a non-object', jsonl(train, '[1, 2]'), /^m\.jsonl:2: record must be a JSON object, got \[1,2\]/],
    ['a string iteration', jsonl({ ...train, iter: '20' }), /^m\.jsonl:1: train record: "iter" must be a number, got "20"/],
    ['a missing loss', jsonl(train, train, { ...train, losses: { total_loss: 1 } }), /^m\.jsonl:3: train record: losses: "loss_rpn_cls" must be a number, got nothing/],
    ['bad segm numbers', jsonl({ ...evalRecord, segm: { ...evalRecord.bbox, APl: 'x' } }), /^m\.jsonl:1: eval record: segm: "APl" must be a number/],
  ])('rejects %s with file, line and problem', (_, text, message) => {
    expect(() => parseMetrics(text, 'm.jsonl')).toThrow(message);
    try {
      parseMetrics(text, 'm.jsonl');
    } catch (error) {
      expect(error).toBeInstanceOf(MetricsFileError);
    }
  });
});
