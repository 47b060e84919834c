import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from './summary';
import { formatAp, formatDuration, renderReport, writeReport } from './write-report';

const runDir = join('runs', 'mask-cbn');
const summary: RunSummary = {
  runName: 'mask-cbn',
  configName: 'configs/train/mask_rcnn_R18_FPN_cpu_shapes.json',
  configFile: join(runDir, 'config.json'),
  model: 'Mask R-CNN, ResNet-18-FPN',
  norms: { backbone: 'cbn', fpn: 'gn', boxHead: 'gn', maskHead: 'gn' },
  backend: 'tensorflow',
  iterations: 3000,
  batchSize: 2,
  wallSeconds: 3725,
  imagesPerSecond: 1.6104,
  finalLosses: { total_loss: 0.81234, loss_rpn_cls: 0.01, loss_rpn_loc: 0.02, loss_cls: 0.3, loss_box_reg: 0.25, loss_mask: 0.21 },
  finalEval: {
    iter: 3000,
    bbox: { AP: 37.91, AP50: 58.2, AP75: 40.04, APs: 21.3, APm: 41, APl: -100 },
    segm: { AP: 34.5, AP50: 55.1, AP75: 36.2, APs: 15.9, APm: 37, APl: 49.9 },
    perCategory: {
      bbox: [{ name: 'circle', ap: 44.4 }, { name: 'a|b', ap: -1 }],
      segm: [{ name: 'circle', ap: 40.1 }, { name: 'a|b', ap: -1 }],
    },
  },
  plots: { losses: join(runDir, 'plots', 'losses.png'), map: join(runDir, 'plots', 'map.png') },
  overlays: [join(runDir, 'overlays', 'val 1.png')],
  checkpoint: join(runDir, 'checkpoints', 'model_final.safetensors'),
  evaluation: { gtAnnotations: 'data/shapes/val.json', predictions: join(runDir, 'predictions.json') },
};

describe('renderReport', () => {
  const md = renderReport(runDir, summary);

  it('states the run setup', () => {
    expect(md).toMatch(/^# Run mask-cbn\n/);
    expect(md).toContain('| config | `configs/train/mask_rcnn_R18_FPN_cpu_shapes.json` (resolved: [config.json](config.json)) |');
    expect(md).toContain('| norm | backbone `cbn`, FPN `gn`, box head `gn`, mask head `gn` |');
    expect(md).toContain('| backend | `tensorflow` |');
    expect(md).toContain('| iterations | 3000 |');
    expect(md).toContain('| batch size | 2 images |');
    expect(md).toContain('| wall time | 1 h 02 min |');
    expect(md).toContain('| throughput | 1.61 images/s |');
    expect(md).toContain('| checkpoint | [model_final.safetensors](checkpoints/model_final.safetensors) |');
  });

  it('has the final losses and the COCO tables', () => {
    expect(md).toContain('| total | cls | box reg | rpn cls | rpn loc | mask |\n|---|---|---|---|---|---|\n| 0.8123 | 0.3000 | 0.2500 | 0.0100 | 0.0200 | 0.2100 |');
    expect(md).toContain('## COCO evaluation (iteration 3000)');
    expect(md).toContain('| bbox | 37.9 | 58.2 | 40.0 | 21.3 | 41.0 | n/a |');
    expect(md).toContain('| segm | 34.5 | 55.1 | 36.2 | 15.9 | 37.0 | 49.9 |');
    expect(md).toContain('| category | bbox AP | segm AP |');
    expect(md).toContain('| circle | 44.4 | 40.1 |');
    expect(md).toContain('| a\\|b | n/a | n/a |');
  });

  it('links plots and overlays relative to the report', () => {
    expect(md).toContain('![losses](plots/losses.png)');
    expect(md).toContain('![COCO AP](plots/map.png)');
    expect(md).not.toContain('lr.png');
    expect(md).toContain('![val 1.png](overlays/val%201.png)');
  });

  it('gives the command to evaluate again', () => {
    expect(md).toContain('```sh\nnpx nx run evaluator:coco --gt data/shapes/val.json --dt runs/mask-cbn/predictions.json\n```');
  });

  it('handles a Faster R-CNN run that was never evaluated', () => {
    const { finalEval: _unused, evaluation: _none, ...rest } = summary;
    const { loss_mask: _mask, ...losses } = summary.finalLosses;
    const faster = renderReport(runDir, { ...rest, norms: { backbone: 'bn', fpn: 'gn', boxHead: 'gn' }, finalLosses: losses, overlays: [] });
    expect(faster).toContain('| norm | backbone `bn`, FPN `gn`, box head `gn` |');
    expect(faster).toContain('The run was not evaluated.');
    expect(faster).not.toContain('mask head');
    expect(faster).not.toContain('| mask |');
    expect(faster).not.toContain('Predictions on validation images');
    expect(faster).toContain('```sh\nnpx nx run evaluator:coco\n```');
  });
});

describe('writeReport', () => {
  it('writes report.md into the run folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-'));
    try {
      const file = writeReport(dir, { ...summary, plots: { losses: join(dir, 'plots', 'losses.png') } });
      expect(file).toBe(join(dir, 'report.md'));
      expect(readFileSync(file, 'utf8')).toContain('![losses](plots/losses.png)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('formatting', () => {
  it('durations and AP', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(725)).toBe('12 min 05 s');
    expect(formatDuration(3 * 3600 + 4 * 60 + 10)).toBe('3 h 04 min');
    expect(formatAp(NaN)).toBe('n/a');
    expect(formatAp(0)).toBe('0.0');
  });
});
