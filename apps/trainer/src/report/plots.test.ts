import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PALETTE } from '@kestrel/charts';
import { PNG } from 'pngjs';
import { writeTrainingPlots } from './plots';
import { syntheticRecords } from './test-records';

function hasColor(png: PNG, color: readonly number[]): boolean {
  for (let i = 0; i < png.data.length; i += 4) {
    if (png.data[i] === color[0] && png.data[i + 1] === color[1] && png.data[i + 2] === color[2]) return true;
  }
  return false;
}

describe('writeTrainingPlots', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'run-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes losses, mAP and LR plots under plots/', () => {
    const plots = writeTrainingPlots(dir, syntheticRecords());
    expect(plots).toEqual({ losses: join(dir, 'plots', 'losses.png'), map: join(dir, 'plots', 'map.png'), lr: join(dir, 'plots', 'lr.png') });
    const losses = PNG.sync.read(readFileSync(plots.losses));
    expect([losses.width, losses.height]).toEqual([760, 480]);
    // Six series (total + 4 losses + mask) in the first six palette colours.
    for (const color of PALETTE.slice(0, 6)) expect(hasColor(losses, color)).toBe(true);
    const map = PNG.sync.read(readFileSync(plots.map!));
    for (const color of PALETTE.slice(0, 3)) expect(hasColor(map, color)).toBe(true); // box AP, AP50, mask AP
  });

  it('omits map.png without eval records, mask loss without loss_mask, and lr.png on request', () => {
    const records = syntheticRecords({ mask: false }).filter((r) => r.type === 'train');
    const plots = writeTrainingPlots(dir, records, { lr: false });
    expect(plots).toEqual({ losses: join(dir, 'plots', 'losses.png') });
    expect(existsSync(join(dir, 'plots', 'map.png'))).toBe(false);
    const losses = PNG.sync.read(readFileSync(plots.losses));
    expect(hasColor(losses, PALETTE[4]!)).toBe(true);
    expect(hasColor(losses, PALETTE[5]!)).toBe(false);
  });

  it('draws a run whose loss went NaN', () => {
    const records = syntheticRecords({ iterations: 400 }).flatMap((r) =>
      r.type !== 'train' ? [] : [r.iter > 300 ? { ...r, losses: { ...r.losses, total_loss: NaN } } : r],
    );
    // One PNG only: pngjs' adaptive filtering is slow under Jest's sandbox (~3 s per image).
    const plots = writeTrainingPlots(dir, records, { lr: false });
    expect(PNG.sync.read(readFileSync(plots.losses)).width).toBe(760);
  });

  it('needs train records', () => {
    expect(() => writeTrainingPlots(dir, [])).toThrow(/no train records/);
  });
});
