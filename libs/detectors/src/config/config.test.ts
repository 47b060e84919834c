import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadModelConfig, ModelConfigError, readConfigTree, resolveModelConfig } from './load';
import { MODEL_CONFIG_DEFAULTS } from './model-config';

const CONFIGS = resolve(__dirname, '../../../../configs/models');

/** Writes files into a fresh temp dir and returns its path. */
function files(contents: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kestrel-config-'));
  for (const [name, value] of Object.entries(contents)) writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  return dir;
}

function errorOf(fn: () => unknown): ModelConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModelConfigError) return err;
    throw err;
  }
  throw new Error('expected a ModelConfigError');
}

describe('shipped configs', () => {
  it('R50-FPN 1x: detectron2 defaults, frozen-bn pretrained backbone, no norm in FPN and heads', () => {
    const faster = loadModelConfig(join(CONFIGS, 'faster_rcnn_R50_FPN_1x.json'));
    expect(faster.architecture).toBe('faster_rcnn');
    expect(faster.backbone).toEqual({ type: 'resnet', depth: 50, width: 1, norm: 'frozen-bn', freezeAt: 2, strideInOneByOne: false, pretrained: 'pretrained/resnet50.safetensors' });
    expect([faster.fpn.norm, faster.boxHead.norm, faster.boxHead.fcNorm]).toEqual(['none', 'none', 'none']);
    expect(faster.rpn).toMatchObject({ iouThresholds: [0.3, 0.7], batchSizePerImage: 256, preNmsTopKTrain: 2000, preNmsTopKTest: 1000, postNmsTopKTrain: 1000, nmsThreshold: 0.7 });
    expect(faster.roiHeads).toMatchObject({ batchSizePerImage: 512, positiveFraction: 0.25, iouThreshold: 0.5, scoreThreshold: 0.05, nmsThreshold: 0.5, detectionsPerImage: 100 });
    expect(faster.boxHead).toMatchObject({ numFcs: 2, fcDim: 1024, poolerResolution: 7, boxWeights: [10, 10, 5, 5] });
    expect(faster.maskHead).toBeNull();
    const mask = loadModelConfig(join(CONFIGS, 'mask_rcnn_R50_FPN_1x.json'));
    expect(mask.architecture).toBe('mask_rcnn');
    expect(mask.maskHead).toMatchObject({ numConvs: 4, convDim: 256, norm: 'none', poolerResolution: 14 });
    // Everything but the architecture and mask head is inherited unchanged.
    expect({ ...mask, architecture: 'faster_rcnn', maskHead: null }).toEqual(faster);
  });

  it('CPU configs: ResNet-18 × 0.5 with cbn, FPN 128 P3–P6 with cbn, cbn heads, short side 256', () => {
    const faster = loadModelConfig(join(CONFIGS, 'faster_rcnn_R18_FPN_cpu.json'));
    expect(faster.backbone).toMatchObject({ depth: 18, width: 0.5, norm: 'cbn', freezeAt: 0, pretrained: null });
    expect(faster.fpn).toEqual({ inFeatures: ['res3', 'res4', 'res5'], outChannels: 128, norm: 'cbn', topBlock: 'max-pool' });
    expect(faster.rpn.inFeatures).toEqual(['p3', 'p4', 'p5', 'p6']);
    expect(faster.input.train.shortEdge).toEqual([256]);
    expect([faster.boxHead.norm, faster.boxHead.fcNorm]).toEqual(['cbn', 'cbn']);
    const mask = loadModelConfig(join(CONFIGS, 'mask_rcnn_R18_FPN_cpu.json'));
    expect(mask.maskHead).toMatchObject({ norm: 'none', convDim: 64, maxPositivesPerImage: 16 });
    expect([mask.backbone.norm, mask.fpn.norm, mask.boxHead.norm, mask.boxHead.fcNorm]).toEqual(['cbn', 'cbn', 'cbn', 'cbn']);
  });

  it('records which file set each key', () => {
    const tree = readConfigTree(join(CONFIGS, 'mask_rcnn_R18_FPN_cpu.json'));
    expect(tree.files.map((f) => f.split('/').pop())).toEqual(['base_rcnn_fpn.json', 'faster_rcnn_R18_FPN_cpu.json', 'mask_rcnn_R18_FPN_cpu.json']);
    expect(tree.fileOf('.model.maskHead.norm')).toMatch(/mask_rcnn_R18_FPN_cpu\.json$/);
    expect(tree.fileOf('.model.rpn.anchorSizes[1]')).toMatch(/faster_rcnn_R18_FPN_cpu\.json$/);
    expect(tree.fileOf('.model.rpn.nmsThreshold')).toMatch(/base_rcnn_fpn\.json$/);
  });
});

describe('inheritance', () => {
  it('merges objects key by key, replaces arrays and norm specs, fills defaults for absent keys', () => {
    const dir = files({
      'base.json': { model: { numClasses: 7, fpn: { norm: { type: 'gn', groups: 32 }, outChannels: 64 }, rpn: { anchorSizes: [[8], [16], [32], [64], [128]] } } },
      'child.json': { extends: 'base.json', model: { fpn: { norm: 'cbn' }, rpn: { anchorSizes: [[16]] } } },
    });
    const config = loadModelConfig(join(dir, 'child.json'));
    expect(config.numClasses).toBe(7);
    expect(config.fpn).toEqual({ ...MODEL_CONFIG_DEFAULTS.fpn, norm: 'cbn', outChannels: 64 });
    expect(config.rpn.anchorSizes).toEqual([[16]]);
    expect(config.rpn.nmsThreshold).toBe(0.7);
  });

  it('a mask_rcnn child of a faster_rcnn parent gets the default mask head; null removes it again', () => {
    const dir = files({
      'faster.json': { model: { architecture: 'faster_rcnn' } },
      'mask.json': { extends: 'faster.json', model: { architecture: 'mask_rcnn', maskHead: { convDim: 32 } } },
      'back.json': { extends: 'mask.json', model: { architecture: 'faster_rcnn', maskHead: null } },
    });
    expect(loadModelConfig(join(dir, 'mask.json')).maskHead).toMatchObject({ convDim: 32, numConvs: 4, poolerResolution: 14 });
    expect(loadModelConfig(join(dir, 'back.json')).maskHead).toBeNull();
  });
});

describe('errors name the file, the key path and what is expected', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown key', { model: { fpn: { outChanels: 8 } } }, /bad\.json: model\.fpn\.outChanels: unknown key; expected one of inFeatures, outChannels, norm, topBlock/],
    ['unknown top-level key', { modle: {} }, /bad\.json: modle: unknown key; expected one of extends, model/],
    ['wrong type', { model: { fpn: { outChannels: '256' } } }, /bad\.json: model\.fpn\.outChannels: expected an integer >= 1, got "256"/],
    ['not an integer', { model: { numClasses: 2.5 } }, /model\.numClasses: expected an integer >= 1, got 2\.5/],
    ['out of range', { model: { rpn: { positiveFraction: 1.5 } } }, /model\.rpn\.positiveFraction: expected a number in \[0, 1\], got 1\.5/],
    ['allowed values', { model: { architecture: 'retinanet' } }, /model\.architecture: expected one of "faster_rcnn", "mask_rcnn", got "retinanet"/],
    ['allowed depths', { model: { backbone: { depth: 152 } } }, /model\.backbone\.depth: expected one of 18, 34, 50, 101, got 152/],
    ['array length', { model: { boxHead: { boxWeights: [10, 10, 5] } } }, /model\.boxHead\.boxWeights: expected an array of 4 items, each a number > 0, got \[10,10,5\]/],
    ['array item', { model: { rpn: { anchorSizes: [[32], [-1]] } } }, /model\.rpn\.anchorSizes\[1\]\[0\]: expected a number > 0, got -1/],
    ['unknown norm', { model: { fpn: { norm: 'batchnorm' } } }, /model\.fpn\.norm: unknown norm type "batchnorm"; expected one of cbn, .*gn/],
    ['bad norm option', { model: { boxHead: { norm: { type: 'gn', window: 4 } } } }, /model\.boxHead\.norm: unknown option "window" for norm "gn"; accepted options: groups, channelsPerGroup, eps, affine/],
    ['not nullable', { model: { backbone: { pretrained: 3 } } }, /model\.backbone\.pretrained: expected a non-empty string, got 3/],
    ['mask head on faster', { model: { architecture: 'faster_rcnn', maskHead: { numConvs: 2 } } }, /model\.maskHead: only mask_rcnn has a mask head; remove it or set it to null/],
    ['no mask head on mask', { model: { architecture: 'mask_rcnn', maskHead: null } }, /model\.maskHead: mask_rcnn needs a mask head/],
    ['level not produced', { model: { fpn: { inFeatures: ['res3', 'res4', 'res5'] } } }, /model\.rpn\.inFeatures: "p2" not produced by the FPN; it produces p3, p4, p5, p6/],
    ['gap in stages', { model: { fpn: { inFeatures: ['res2', 'res4'] } } }, /model\.fpn\.inFeatures: expected consecutive stages without repeats/],
    ['anchor levels', { model: { rpn: { anchorSizes: [[32], [64]] } } }, /model\.rpn\.anchorSizes: expected one list per RPN level \(5\) or a single list, got 2/],
    ['pretrained width', { model: { backbone: { width: 0.5, pretrained: 'r18.safetensors' } } }, /model\.backbone\.pretrained: torchvision weights need width 1, got width 0\.5/],
    ['thresholds order', { model: { rpn: { iouThresholds: [0.7, 0.3] } } }, /model\.rpn\.iouThresholds: expected \[negative below, positive from\]/],
  ];

  it.each(cases)('%s', (_name, content, message) => {
    const dir = files({ 'bad.json': content });
    expect(errorOf(() => loadModelConfig(join(dir, 'bad.json'))).message).toMatch(message);
  });

  it('lists every problem, each with the file that set the key', () => {
    const dir = files({
      'base.json': { model: { fpn: { outChannels: -1 } } },
      'child.json': { extends: 'base.json', model: { numClasses: 0 } },
    });
    const err = errorOf(() => loadModelConfig(join(dir, 'child.json')));
    expect(err.issues.map((i) => [i.file.split('/').pop(), i.path]).sort()).toEqual([
      ['base.json', 'model.fpn.outChannels'],
      ['child.json', 'model.numClasses'],
    ]);
  });

  it('names cross-part problems after the file that set the key', () => {
    const dir = files({
      'base.json': { model: { rpn: { anchorSizes: [[32], [64]] } } },
      'child.json': { extends: 'base.json', model: { numClasses: 3 } },
    });
    expect(errorOf(() => loadModelConfig(join(dir, 'child.json'))).message).toMatch(/base\.json: model\.rpn\.anchorSizes: expected one list per RPN level/);
  });

  it('reports missing files, invalid JSON and extends cycles', () => {
    const dir = files({
      'a.json': { extends: 'b.json', model: {} },
      'b.json': { extends: 'a.json', model: {} },
      'broken.json': '{ "model": ',
      'orphan.json': { extends: 'missing.json', model: {} },
    });
    expect(errorOf(() => loadModelConfig(join(dir, 'a.json'))).message).toMatch(/a\.json: extends: cycle: .*a\.json -> .*b\.json -> .*a\.json/);
    expect(errorOf(() => loadModelConfig(join(dir, 'broken.json'))).message).toMatch(/broken\.json: \(file\): invalid JSON/);
    expect(errorOf(() => loadModelConfig(join(dir, 'orphan.json'))).message).toMatch(/orphan\.json: extends: cannot read extended file .*missing\.json: ENOENT/);
    expect(errorOf(() => loadModelConfig(join(dir, 'nope.json'))).message).toMatch(/nope\.json: \(file\): cannot read the file: ENOENT/);
  });

  it('validates inline configs too', () => {
    expect(errorOf(() => resolveModelConfig({ numClasses: -3 } as never)).message).toBe('(inline config): model.numClasses: expected an integer >= 1, got -3');
  });
});
