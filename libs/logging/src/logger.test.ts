import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { configureLogging, createLogger } from './logger';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('logging', () => {
  it('writes JSON lines with the module name when not pretty', () => {
    const out = capture();
    configureLogging({ level: 'info', pretty: false, stream: out.stream });
    createLogger('trainer').info({ iter: 3 }, 'step done');
    const record = JSON.parse(out.text().trim());
    expect(record).toMatchObject({ level: 30, module: 'trainer', iter: 3, msg: 'step done' });
    expect(typeof record.time).toBe('string');
  });

  it('filters below the configured level', () => {
    const out = capture();
    configureLogging({ level: 'warn', pretty: false, stream: out.stream });
    const log = createLogger('x');
    log.info('hidden');
    log.warn('shown');
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).msg).toBe('shown');
  });

  it('renders human-readable lines when pretty', () => {
    const out = capture();
    configureLogging({ level: 'info', pretty: true, stream: out.stream });
    createLogger('runtime').info({ backend: 'wasm' }, 'TF.js backend chosen');
    const text = out.text();
    expect(text).toContain('TF.js backend chosen');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('also appends JSON lines to a file, creating its folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kestrel-log-'));
    const file = join(dir, 'run', 'log.jsonl');
    configureLogging({ level: 'info', pretty: false, stream: capture().stream, file });
    createLogger('trainer').info({ loss: 0.5 }, 'a');
    createLogger('trainer').info({ loss: 0.4 }, 'b');
    const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => r.loss)).toEqual([0.5, 0.4]);
  });

  it('rejects an unknown KESTREL_LOG_LEVEL with the allowed values', () => {
    const saved = process.env['KESTREL_LOG_LEVEL'];
    process.env['KESTREL_LOG_LEVEL'] = 'loud';
    try {
      expect(() => configureLogging({ stream: capture().stream })).toThrow(/KESTREL_LOG_LEVEL: unknown level "loud"; expected one of fatal/);
    } finally {
      if (saved === undefined) delete process.env['KESTREL_LOG_LEVEL'];
      else process.env['KESTREL_LOG_LEVEL'] = saved;
    }
  });
});
