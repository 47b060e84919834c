import * as tf from '@tensorflow/tfjs-core';
import { initBackend, Rng } from '@kestrel/runtime';
import { ConvNorm, CrossIterationBatchNorm, GroupNorm, IdentityNorm } from '@kestrel/norm';
import { FPN } from './fpn';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
});

const RESNET18_QUARTER = {
  res2: { channels: 16, stride: 4 },
  res3: { channels: 32, stride: 8 },
  res4: { channels: 64, stride: 16 },
  res5: { channels: 128, stride: 32 },
};

function backboneFeatures(batch: number, size: number, shapes: Record<string, { channels: number; stride: number }>) {
  const out: Record<string, tf.Tensor4D> = {};
  let seed = 1;
  for (const [name, s] of Object.entries(shapes)) {
    out[name] = tf.randomNormal([batch, size / s.stride, size / s.stride, s.channels], 0, 1, 'float32', seed++) as tf.Tensor4D;
  }
  return out;
}

describe('FPN', () => {
  it('builds P2–P6 from res2–res5 with the output channels and strides 4..64', () => {
    const fpn = new FPN({ inputShapes: RESNET18_QUARTER, outChannels: 24, rng: new Rng(1) });
    const features = backboneFeatures(2, 64, RESNET18_QUARTER);
    const out = fpn.forward(features);
    expect(fpn.outFeatures).toEqual(['p2', 'p3', 'p4', 'p5', 'p6']);
    expect(Object.keys(out)).toEqual(['p2', 'p3', 'p4', 'p5', 'p6']);
    const sides = { p2: 16, p3: 8, p4: 4, p5: 2, p6: 1 };
    for (const [name, side] of Object.entries(sides)) {
      expect(out[name]!.shape).toEqual([2, side, side, 24]);
      expect(fpn.outputShapes[name]).toEqual({ channels: 24, stride: 64 / side });
    }
    // detectron2 names: fpn_lateral{level}, fpn_output{level}, a bias when there is no norm.
    expect(fpn.namedParameters().map(([n]) => n)).toEqual(
      [2, 3, 4, 5].flatMap((l) => [`fpn_lateral${l}.weight`, `fpn_lateral${l}.bias`, `fpn_output${l}.weight`, `fpn_output${l}.bias`]),
    );
    tf.dispose([...Object.values(out), ...Object.values(features)]);
    fpn.dispose();
  });

  it('builds P3–P6 from res3–res5 for CPU configs, and P2–P5 without the top block', () => {
    const fpn = new FPN({ inputShapes: RESNET18_QUARTER, inFeatures: ['res5', 'res3', 'res4'], outChannels: 8 });
    expect(fpn.inFeatures).toEqual(['res3', 'res4', 'res5']);
    expect(fpn.outFeatures).toEqual(['p3', 'p4', 'p5', 'p6']);
    const features = backboneFeatures(1, 64, RESNET18_QUARTER);
    const out = fpn.forward(features);
    expect(out.p3!.shape).toEqual([1, 8, 8, 8]);
    expect(out.p6!.shape).toEqual([1, 1, 1, 8]);
    const noTop = new FPN({ inputShapes: RESNET18_QUARTER, outChannels: 8, topBlock: 'none' });
    expect(noTop.outFeatures).toEqual(['p2', 'p3', 'p4', 'p5']);
    tf.dispose([...Object.values(out), ...Object.values(features)]);
    fpn.dispose();
    noTop.dispose();
  });

  it('computes P_l = output(lateral(C_l) + up2(P′_{l+1})) and P6 = P5[::2, ::2] (identity convs, by hand)', () => {
    const shapes = { c3: { channels: 1, stride: 8 }, c4: { channels: 1, stride: 16 } };
    const fpn = new FPN({ inputShapes: shapes, outChannels: 1 });
    // Identity lateral (1×1 weight 1) and output (3×3 delta) convs, zero biases.
    for (const [name, p] of fpn.namedParameters()) {
      if (name.endsWith('bias')) p.assign(tf.zeros(p.shape));
      else if (name.startsWith('fpn_lateral')) p.assign(tf.ones(p.shape));
      else p.assign(tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]));
    }
    const c4 = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const c3 = tf.tensor4d(Array.from({ length: 16 }, (_, i) => 10 * i), [1, 4, 4, 1]);
    const out = fpn.forward({ c3, c4 });
    expect(Array.from(out.p4!.dataSync())).toEqual([1, 2, 3, 4]);
    // Nearest ×2: p4 value at (⌊y/2⌋, ⌊x/2⌋) added to c3.
    const expected = Array.from({ length: 16 }, (_, i) => 10 * i + [1, 2, 3, 4][2 * Math.floor(Math.floor(i / 4) / 2) + Math.floor((i % 4) / 2)]!);
    expect(Array.from(out.p3!.dataSync())).toEqual(expected);
    expect(Array.from(out.p5!.dataSync())).toEqual([1]);
    tf.dispose([c3, c4, ...Object.values(out)]);
    fpn.dispose();
  });

  it('initialises convs with c2_xavier_fill, U(±√(3/fan_in)), and zero biases', () => {
    const fpn = new FPN({ inputShapes: { res5: { channels: 64, stride: 32 } }, outChannels: 64, rng: new Rng(3) });
    const lateral = fpn.parameter('fpn_lateral5.weight').dataSync();
    const output = fpn.parameter('fpn_output5.weight').dataSync();
    const check = (values: ArrayLike<number>, fanIn: number) => {
      const bound = Math.sqrt(3 / fanIn);
      const arr = Array.from(values);
      expect(Math.max(...arr.map(Math.abs))).toBeLessThanOrEqual(bound);
      const std = Math.sqrt(arr.reduce((s, v) => s + v * v, 0) / arr.length);
      expect(std).toBeCloseTo(bound / Math.sqrt(3), 2);
    };
    check(lateral, 64);
    check(output, 9 * 64);
    expect(Array.from(fpn.parameter('fpn_output5.bias').dataSync()).every((v) => v === 0)).toBe(true);
    fpn.dispose();
  });

  it('puts the configured norm in every lateral and output conv, and gradients reach all of them', () => {
    for (const norm of [{ type: 'cbn', window: 2 }, { type: 'gn', groups: 2 }, 'none'] as const) {
      const fpn = new FPN({ inputShapes: RESNET18_QUARTER, outChannels: 8, norm, rng: new Rng(2) });
      const convs = fpn.children() as ConvNorm[];
      const kind = norm === 'none' ? IdentityNorm : norm.type === 'cbn' ? CrossIterationBatchNorm : GroupNorm;
      for (const conv of convs) expect(conv.norm).toBeInstanceOf(kind);
      const features = backboneFeatures(2, 64, RESNET18_QUARTER);
      const params = fpn.trainableParameters();
      const counts: number[] = [];
      for (let step = 0; step < 3; step++) {
        const { value, grads } = tf.variableGrads(
          () => tf.addN(Object.values(fpn.forward(features)).map((p) => tf.mean(tf.square(p)))) as tf.Scalar,
          params,
        );
        expect(Object.keys(grads).sort()).toEqual(params.map((p) => p.name).sort());
        if (step === 0) for (const g of Object.values(grads)) expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
        tf.dispose([value, ...Object.values(grads)]);
        counts.push(tf.memory().numTensors);
      }
      // Flat from the second step (GN caches constants on its first call; CBN with window 2
      // holds one history entry per conv from the first step on).
      expect(counts[2]).toBe(counts[1]);
      tf.dispose(Object.values(features));
      fpn.dispose();
    }
  });

  it('rejects strides that do not double, unknown features and sizes that do not halve', () => {
    expect(() => new FPN({ inputShapes: { a: { channels: 4, stride: 4 }, b: { channels: 4, stride: 16 } } })).toThrow(/strides must double/);
    expect(() => new FPN({ inputShapes: RESNET18_QUARTER, inFeatures: ['res6'] })).toThrow(/"res6" is not among res2, res3, res4, res5/);
    const fpn = new FPN({ inputShapes: { a: { channels: 2, stride: 4 }, b: { channels: 2, stride: 8 } }, outChannels: 2 });
    const a = tf.zeros([1, 5, 5, 2]) as tf.Tensor4D;
    const b = tf.zeros([1, 3, 3, 2]) as tf.Tensor4D;
    expect(() => fpn.forward({ a, b })).toThrow(/multiple of the coarsest input stride/);
    tf.dispose([a, b]);
    fpn.dispose();
  });
});
