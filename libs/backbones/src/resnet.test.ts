import * as tf from '@tensorflow/tfjs-core';
import { initBackend, Rng } from '@kestrel/runtime';
import { CrossIterationBatchNorm, FrozenBatchNorm, GroupNorm, normTypes } from '@kestrel/norm';
import { ResNet } from './resnet';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
});

const images = () => tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 3) as tf.Tensor4D;

describe('ResNet', () => {
  it.each([
    [18, [16, 32, 64, 128]],
    [50, [64, 128, 256, 512]],
  ] as const)('ResNet-%i returns res2..res5 at strides 4..32 with the expected widths (width 0.25)', (depth, channels) => {
    const net = new ResNet({ depth, width: 0.25, rng: new Rng(1) });
    const out = net.forward(images());
    expect(Object.keys(out)).toEqual(['res2', 'res3', 'res4', 'res5']);
    ['res2', 'res3', 'res4', 'res5'].forEach((name, i) => {
      expect(out[name as 'res2']!.shape).toEqual([2, 64 / (4 * 2 ** i), 64 / (4 * 2 ** i), channels[i]]);
      expect(net.featureShapes[name as 'res2']).toEqual({ channels: channels[i], stride: 4 * 2 ** i });
    });
    net.dispose();
  });

  it('has the parameter count of the architecture, counted from the layer shapes', () => {
    // conv k×k cin→cout: k²·cin·cout weights; each norm (bn): 2·cout.
    const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + 2 * cout;
    const count = (block: 'basic' | 'bottleneck', depths: number[], width: number) => {
      const stem = 64 * width;
      let total = conv(7, 3, stem);
      let cin = stem;
      depths.forEach((n, i) => {
        const mid = 64 * width * 2 ** i;
        const out = block === 'basic' ? mid : 4 * mid;
        for (let b = 0; b < n; b++) {
          total += block === 'basic' ? conv(3, cin, out) + conv(3, out, out) : conv(1, cin, mid) + conv(3, mid, mid) + conv(1, mid, out);
          if (cin !== out) total += conv(1, cin, out);
          cin = out;
        }
      });
      return total;
    };
    // The formula reproduces torchvision's counts without the classifier (resnet18: 11,689,512 −
    // fc 513,000; resnet50: 25,557,032 − fc 2,049,000)…
    expect(count('basic', [2, 2, 2, 2], 1)).toBe(11_176_512);
    expect(count('bottleneck', [3, 4, 6, 3], 1)).toBe(23_508_032);
    // …and the models (at width 0.25, to keep the test fast) match it.
    const r18 = new ResNet({ depth: 18, width: 0.25, norm: 'bn', freezeAt: 0 });
    expect(r18.numParameters()).toBe(count('basic', [2, 2, 2, 2], 0.25));
    r18.dispose();
    const r50 = new ResNet({ depth: 50, width: 0.25, norm: 'bn', freezeAt: 0 });
    expect(r50.numParameters()).toBe(count('bottleneck', [3, 4, 6, 3], 0.25));
    r50.dispose();
  });

  it('freezes the stem and res2 at freezeAt 2, with frozen-bn there', () => {
    const net = new ResNet({ depth: 18, width: 0.25, norm: 'cbn', freezeAt: 2 });
    expect(net.conv1.norm).toBeInstanceOf(FrozenBatchNorm);
    expect(net.stages[0]!.at(0).conv1.norm).toBeInstanceOf(FrozenBatchNorm);
    expect(net.stages[1]!.at(0).conv1.norm).toBeInstanceOf(CrossIterationBatchNorm);
    const trainable = new Set(net.trainableParameters().map((p) => p.name));
    for (const [name, p] of net.namedParameters()) {
      expect({ name, trainable: trainable.has(p.name) }).toEqual({ name, trainable: !name.startsWith('conv1.') && !name.startsWith('layer1.') });
    }
    net.dispose();
    const gn = new ResNet({ depth: 18, width: 0.25, norm: { type: 'gn', groups: 4 }, freezeAt: 1 });
    expect(gn.conv1.norm).toBeInstanceOf(GroupNorm);
    expect(gn.conv1.trainableParameters()).toHaveLength(0);
    gn.dispose();
  });

  it('wires CBN to every conv, including BasicBlock convs and the downsample projection', () => {
    const net = new ResNet({ depth: 18, width: 0.25, norm: 'cbn', freezeAt: 0 });
    const block = net.stages[1]!.at(0);
    for (const conv of [block.conv1, block.conv2, block.downsample!]) expect(conv.norm).toBeInstanceOf(CrossIterationBatchNorm);
    const x = images();
    for (let i = 0; i < 2; i++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.mean(net.forward(x).res5!) as tf.Scalar);
        expect(grads[block.downsample!.weight.name]).toBeDefined();
      });
    }
    expect((block.downsample!.norm as CrossIterationBatchNorm).stepCount).toBe(2);
    net.dispose();
  });

  it.each(normTypes().map((t) => t.type))('trains with norm %s, keeping the tensor count flat', (type) => {
    const norm = type === 'gn' ? { type: 'gn', groups: 4 } : type;
    const net = new ResNet({ depth: 18, width: 0.125, norm, freezeAt: 0 });
    const x = images();
    const params = net.trainableParameters();
    const step = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(x).res5!)) as tf.Scalar, params.length ? params : undefined);
        for (const p of params) p.assign(tf.sub(p, tf.mul(grads[p.name]!, 0.01)));
      });
    for (let i = 0; i < 4; i++) step(); // fill CBN's history window (k − 1 = 3 entries)
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
    x.dispose();
  });

  it('rejects bad options with the option name', () => {
    expect(() => new ResNet({ depth: 20 as never })).toThrow('ResNet: option "depth" must be one of 18, 34, 50, 101, got 20');
    expect(() => new ResNet({ depth: 18, freezeAt: 7 })).toThrow('ResNet: option "freezeAt" must be an integer in 0..5, got 7');
    expect(() => new ResNet({ depth: 18, norm: 'sbn' })).toThrow(/unknown norm type "sbn"/);
  });
});
