import * as tf from '@tensorflow/tfjs-core';
import { initBackend, Rng } from '@kestrel/runtime';
import { Matcher } from '@kestrel/ops';
import { FastRCNNConvFCHead } from './box-head';
import { FastRCNNOutputLayers } from './fast-rcnn-outputs';
import { MaskRCNNConvUpsampleHead, maskRcnnLoss } from './mask-head';
import { labelAndSampleProposals } from './proposal-sampling';
import { StandardROIHeads } from './roi-heads';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
});

const box = (...v: number[]) => Float32Array.from(v);
const softplus = (x: number) => Math.log1p(Math.exp(x));

describe('labelAndSampleProposals', () => {
  const options = (over: object = {}) => ({
    numClasses: 3,
    matcher: new Matcher({ thresholds: [0.5], labels: [0, 1] }),
    batchSizePerImage: 64,
    positiveFraction: 0.25,
    appendGroundTruth: false,
    crowdIgnoreIoF: 0.5,
    ...over,
  });
  // GT [0, 0, 10, 10] of class 2. Proposals: a copy (IoU 1), the top half (IoU exactly 0.5:
  // foreground, ≥), a 4.9-high strip (0.49: background), a distant box (background).
  const proposals = box(0, 0, 10, 10, 0, 0, 10, 5, 0, 0, 10, 4.9, 30, 30, 40, 40);
  const targets = { boxes: box(0, 0, 10, 10), labels: Int32Array.from([2]) };

  it('labels foreground by IoU ≥ 0.5 with the GT class and background as numClasses, foreground first', () => {
    const s = labelAndSampleProposals(proposals, targets, options(), new Rng(0));
    expect(s.numForeground).toBe(2);
    expect(Array.from(s.gtClasses)).toEqual([2, 2, 3, 3]);
    expect(Array.from(s.matchedGt)).toEqual([0, 0, -1, -1]);
    expect(Array.from(s.boxes)).toEqual(Array.from(proposals));
    expect(Array.from(s.gtBoxes.subarray(0, 8))).toEqual([0, 0, 10, 10, 0, 0, 10, 10]);
  });

  it('appends the ground truth as a proposal, and caps foreground at batch · fraction', () => {
    const s = labelAndSampleProposals(proposals, targets, options({ appendGroundTruth: true, batchSizePerImage: 4 }), new Rng(0));
    // 3 foreground candidates (2 proposals + the GT), ⌊4 · 0.25⌋ = 1 kept; 2 background fill… up to 3.
    expect(s.numForeground).toBe(1);
    expect(Array.from(s.gtClasses)).toEqual([2, 3, 3]);
    const all = labelAndSampleProposals(new Float32Array(0), targets, options({ appendGroundTruth: true }), new Rng(0));
    expect(Array.from(all.boxes)).toEqual([0, 0, 10, 10]);
    expect(Array.from(all.gtClasses)).toEqual([2]);
  });

  it('does not sample background proposals inside crowd regions; all background without GT', () => {
    const crowd = { ...targets, crowdBoxes: box(28, 28, 50, 50) };
    expect(Array.from(labelAndSampleProposals(proposals, crowd, options(), new Rng(0)).gtClasses)).toEqual([2, 2, 3]);
    const none = labelAndSampleProposals(proposals, { boxes: new Float32Array(0), labels: new Int32Array(0) }, options(), new Rng(0));
    expect(Array.from(none.gtClasses)).toEqual([3, 3, 3, 3]);
    expect(none.numForeground).toBe(0);
  });
});

describe('FastRCNNOutputLayers', () => {
  it('initialises cls N(0, 0.01²), bbox N(0, 0.001²), class-specific 4K outputs, background last', () => {
    const p = new FastRCNNOutputLayers(256, { numClasses: 80 }, new Rng(2));
    expect(p.clsScore.weight.shape).toEqual([256, 81]);
    expect(p.bboxPred.weight.shape).toEqual([256, 320]);
    const std = (v: tf.Variable) => Math.sqrt(Array.from(v.dataSync()).reduce((s, x) => s + x * x, 0) / v.size);
    expect(std(p.clsScore.weight)).toBeCloseTo(0.01, 3);
    expect(std(p.bboxPred.weight)).toBeCloseTo(0.001, 4);
    p.dispose();
  });

  it('losses: CE mean = log(K + 1) for equal logits; box L1 on the GT class only, divided by all sampled RoIs', () => {
    const p = new FastRCNNOutputLayers(4, { numClasses: 2 });
    const scores = tf.zeros([4, 3]) as tf.Tensor2D;
    // Deltas for class 0 are 1 everywhere, for class 1 are 5: a class-0 foreground RoI whose
    // proposal equals its GT box (target deltas 0) costs 4 · 1.
    const deltas = tf.tensor2d(Array.from({ length: 4 }, () => [1, 1, 1, 1, 5, 5, 5, 5]).flat(), [4, 8]);
    const sampled = [
      { boxes: box(0, 0, 10, 10, 5, 5, 9, 9), gtClasses: Int32Array.from([0, 2]), gtBoxes: box(0, 0, 10, 10, 0, 0, 0, 0), matchedGt: Int32Array.from([0, -1]), numForeground: 1 },
      { boxes: box(0, 0, 8, 8, 1, 1, 3, 3), gtClasses: Int32Array.from([2, 2]), gtBoxes: new Float32Array(8), matchedGt: Int32Array.from([-1, -1]), numForeground: 0 },
    ];
    const losses = p.losses(scores, deltas, sampled);
    expect(losses.loss_cls.dataSync()[0]).toBeCloseTo(Math.log(3), 6);
    expect(losses.loss_box_reg.dataSync()[0]).toBeCloseTo(4 / 4, 6);
    tf.dispose([scores, deltas, ...Object.values(losses)]);
    p.dispose();
  });

  it('inference: scores > 0.05, boxes clipped, per-class NMS 0.5, by decreasing score, top-k', () => {
    // Probabilities from logits [ln a, ln b, ln c] are a, b, c when a + b + c = 1 (c: background).
    const probs = [
      [0.7, 0.2, 0.1],
      [0.6, 0.3, 0.1],
      [0.02, 0.03, 0.95],
      [0.25, 0.04, 0.71],
    ];
    const scores = tf.tensor2d(probs.map((r) => r.map(Math.log)).flat(), [4, 3]);
    const deltas = tf.zeros([4, 8]) as tf.Tensor2D;
    // RoIs 0 and 1 both clip to [0, 0, 20, 10] in the 20 × 20 image (IoU 1): RoI 1 is suppressed
    // in class 0 (0.6 < 0.7), RoI 0 in class 1 (0.2 < 0.3). RoI 2 is below 0.05 in both classes,
    // and so is RoI 3 in class 1.
    const proposals = [box(0, 0, 25, 10, 0, 0, 22.5, 10, 5, 5, 6, 6, 10, 10, 18, 18)];
    const p = new FastRCNNOutputLayers(4, { numClasses: 2 });
    const [d] = p.inference(scores, deltas, proposals, [[20, 20]]);
    expect(Array.from(d!.scores)).toEqual([0.7, 0.3, 0.25].map((v) => expect.closeTo(v, 5)));
    expect(Array.from(d!.labels)).toEqual([0, 1, 0]);
    expect(Array.from(d!.boxes)).toEqual([0, 0, 20, 10, 0, 0, 20, 10, 10, 10, 18, 18]);
    const top2 = new FastRCNNOutputLayers(4, { numClasses: 2, detectionsPerImage: 2 });
    expect(Array.from(top2.inference(scores, deltas, proposals, [[20, 20]])[0]!.labels)).toEqual([0, 1]);
    tf.dispose([scores, deltas]);
    p.dispose();
    top2.dispose();
  });
});

describe('detectron2 weight layout', () => {
  it('box head: fc1 sees the features flattened in PyTorch (C, H, W) order', () => {
    // Features [1, H=2, W=3, C=4] with value v(h, w, c); a detectron2 fc1 weight [out=1, in=C·H·W]
    // that is one-hot at the (C, H, W) index of (c, h, w) = (3, 1, 0) must read v(1, 0, 3).
    const head = new FastRCNNConvFCHead({ channels: 4, resolution: 2 }, { numFcs: 1, fcDim: 1, fcNorm: 'none' }, new Rng(0));
    const values = Float32Array.from({ length: 2 * 2 * 4 }, (_, i) => i + 1);
    const x = tf.tensor4d(values, [1, 2, 2, 4]);
    const [c, h, w] = [3, 1, 0];
    const d2Weight = new Float32Array(16); // [out 1, in 16]
    d2Weight[c * 4 + h * 2 + w] = 1;
    tf.tidy(() => {
      head.fcs[0]!.weight.assign(tf.transpose(tf.tensor2d(d2Weight, [1, 16]))); // [out, in] → [in, out]
      head.fcs[0]!.parameter('bias').assign(tf.zeros([1]));
    });
    const y = head.forward(x);
    expect(y.dataSync()[0]).toBe(values[(h * 2 + w) * 4 + c]!);
    expect(head.namedParameters().map(([n]) => n)).toEqual(['fc1.weight', 'fc1.bias']);
    tf.dispose([x, y]);
    head.dispose();
  });

  it('mask head: detectron2 parameter names and shapes', () => {
    const head = new MaskRCNNConvUpsampleHead(8, 3, { numConvs: 2, convDim: 16, norm: 'none' }, new Rng(1));
    expect(head.namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual([
      'mask_fcn1.weight 3x3x8x16',
      'mask_fcn1.bias 16',
      'mask_fcn2.weight 3x3x16x16',
      'mask_fcn2.bias 16',
      'deconv.weight 2x2x16x16',
      'deconv.bias 16',
      'predictor.weight 1x1x16x3',
      'predictor.bias 3',
    ]);
    const gn = new MaskRCNNConvUpsampleHead(8, 3, { numConvs: 1, convDim: 16, norm: { type: 'gn', groups: 4 } }, new Rng(1));
    expect(gn.namedParameters().map(([n]) => n)).toEqual(['mask_fcn1.weight', 'mask_fcn1.norm.weight', 'mask_fcn1.norm.bias', 'deconv.weight', 'deconv.bias', 'predictor.weight', 'predictor.bias']);
    head.dispose();
    gn.dispose();
  });

  it('mask head deconv: a PyTorch ConvTranspose2d weight [in, out, 2, 2] loads as [2, 2, out, in]', () => {
    // in 2, out 3; y[2i + a, 2j + b, o] = Σ_c x[i, j, c] · W_torch[c, o, a, b] + bias[o].
    const head = new MaskRCNNConvUpsampleHead(2, 1, { numConvs: 0, convDim: 3, norm: 'none' }, new Rng(2));
    const torchW = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => (i % 7) - 3);
    const x = tf.tensor4d([1, -2, 0.5, 3], [1, 1, 2, 2]); // [R, H 1, W 2, C 2]
    tf.tidy(() => {
      head.deconv.weight.assign(tf.transpose(tf.tensor4d(torchW, [2, 3, 2, 2]), [2, 3, 1, 0]));
      head.deconv.bias.assign(tf.tensor1d([0.1, 0.2, 0.3]));
    });
    const y = tf.tidy(() => tf.relu(head.deconv.forward(x)));
    const xs = [[1, -2], [0.5, 3]];
    const expected: number[] = [];
    for (let yy = 0; yy < 2; yy++) {
      for (let xx = 0; xx < 4; xx++) {
        for (let o = 0; o < 3; o++) {
          const [j, a, b] = [xx >> 1, yy, xx & 1];
          let v = [0.1, 0.2, 0.3][o]!;
          for (let c = 0; c < 2; c++) v += xs[j]![c]! * torchW[((c * 3 + o) * 2 + a) * 2 + b]!;
          expected.push(Math.max(v, 0));
        }
      }
    }
    expect(Array.from(y.dataSync())).toEqual(expected.map((v) => expect.closeTo(v, 5)));
    tf.dispose([x, y]);
    head.dispose();
  });
});

describe('mask head', () => {
  it('maps [R, 14, 14, C] to [R, 28, 28, K] with a 2×2 stride-2 deconv', () => {
    const head = new MaskRCNNConvUpsampleHead(8, 3, { numConvs: 2, convDim: 8, norm: 'none' }, new Rng(1));
    const x = tf.randomNormal([2, 14, 14, 8]) as tf.Tensor4D;
    const y = head.forward(x);
    expect(y.shape).toEqual([2, 28, 28, 3]);
    tf.dispose([x, y]);
    head.dispose();
  });

  it('loss: BCE on the GT class channel only, mean over pixels (by hand), gradient only there', () => {
    // Two RoIs, 1×1 masks (M = 1, enough for the formula), 3 classes.
    const logits = tf.tensor4d([0.5, -1, 2, 3, 0.25, -2], [2, 1, 1, 3]);
    const targets = box(1, 0);
    const { value, grads } = tf.valueAndGrads((l) => maskRcnnLoss(l as tf.Tensor4D, [2, 1], targets))([logits]);
    // RoI 0 class 2: logit 2, target 1 → softplus(2) − 2; RoI 1 class 1: logit 0.25, target 0 → softplus(0.25).
    expect(value.dataSync()[0]).toBeCloseTo((softplus(2) - 2 + softplus(0.25)) / 2, 6);
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    expect(Array.from(grads[0]!.dataSync())).toEqual([0, 0, (sig(2) - 1) / 2, 0, sig(0.25) / 2, 0].map((v) => expect.closeTo(v, 6)));
    tf.dispose([logits, value, ...grads]);
  });
});

describe('StandardROIHeads', () => {
  const shapes = { p2: { channels: 8, stride: 4 }, p3: { channels: 8, stride: 8 } };
  const build = (mask: boolean) =>
    new StandardROIHeads({
      numClasses: 3,
      inputShapes: shapes,
      inFeatures: ['p2', 'p3'],
      batchSizePerImage: 16,
      boxHead: { numConvs: 1, convDim: 8, numFcs: 1, fcDim: 16, norm: { type: 'gn', groups: 4 }, fcNorm: 'none', poolerResolution: 4 },
      maskHead: mask ? { numConvs: 1, convDim: 8, norm: { type: 'gn', groups: 4 }, poolerResolution: 4, maxPositivesPerImage: 1 } : null,
      rng: new Rng(5),
    });
  const features = () => ({
    p2: tf.randomNormal([1, 16, 16, 8], 0, 1, 'float32', 1) as tf.Tensor4D,
    p3: tf.randomNormal([1, 8, 8, 8], 0, 1, 'float32', 2) as tf.Tensor4D,
  });

  it('mask loss = softplus(−b) when the only foreground RoI is a GT box whose polygon fills it (target all ones)', () => {
    const heads = new StandardROIHeads({
      numClasses: 3,
      inputShapes: shapes,
      inFeatures: ['p2', 'p3'],
      batchSizePerImage: 16,
      boxHead: { numFcs: 1, fcDim: 16, poolerResolution: 4 },
      maskHead: { numConvs: 1, convDim: 8, poolerResolution: 4 },
    });
    tf.tidy(() => {
      heads.maskHead!.predictor.weight.assign(tf.zerosLike(heads.maskHead!.predictor.weight));
      heads.maskHead!.predictor.bias.assign(tf.fill([3], 0.5));
    });
    const f = features();
    const targets = [{ boxes: box(8, 8, 40, 30), labels: Int32Array.from([1]), masks: [{ kind: 'polygons' as const, polygons: [[8, 8, 40, 8, 40, 30, 8, 30]] }] }];
    // A distant proposal (background) only: the GT box is the single foreground RoI.
    const losses = heads.losses(f, [box(50, 50, 60, 60)], targets);
    expect(losses.loss_mask!.dataSync()[0]).toBeCloseTo(softplus(-0.5), 5);
    expect(Object.keys(losses).sort()).toEqual(['loss_box_reg', 'loss_cls', 'loss_mask']);
    tf.dispose([...Object.values(f), ...Object.values(losses)]);
    heads.dispose();
  });

  it('trains with box and mask losses (gradients to every parameter) and keeps the tensor count flat', () => {
    const heads = build(true);
    const f = features();
    const targets = [
      { boxes: box(4, 4, 40, 36, 30, 30, 60, 60), labels: Int32Array.from([0, 2]), masks: [{ kind: 'polygons' as const, polygons: [[4, 4, 40, 4, 22, 36]] }, null] },
    ];
    const proposals = [box(5, 5, 38, 35, 0, 0, 20, 20, 31, 29, 61, 58, 40, 0, 64, 20)];
    const counts: number[] = [];
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(() => tf.addN(Object.values(heads.losses(f, proposals, targets))) as tf.Scalar, heads.trainableParameters());
      expect(Object.keys(grads).length).toBe(heads.trainableParameters().length);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory().numTensors);
    }
    expect(counts[2]).toBe(counts[1]);
    tf.dispose(Object.values(f));
    heads.dispose();
  });

  it('inference returns boxes, scores, labels and 28×28-style mask probabilities per detection', () => {
    const heads = build(true);
    heads.eval();
    // Make class 1 certain for every RoI: its logit bias is large.
    tf.tidy(() => heads.boxPredictor.clsScore.bias.assign(tf.tensor1d([0, 10, 0, 0])));
    const f = features();
    const before = tf.memory().numTensors;
    const [d] = heads.inference(f, [box(4, 4, 30, 30, 40, 40, 60, 62)], [[64, 64]]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(d!.labels)).toEqual([1, 1]);
    expect(d!.boxes.length).toBe(8);
    expect(d!.maskSize).toBe(8);
    expect(d!.maskProbs!.length).toBe(2 * 8 * 8);
    expect(d!.maskProbs!.every((v) => v > 0 && v < 1)).toBe(true);
    tf.dispose(Object.values(f));
    heads.dispose();
  });
});
