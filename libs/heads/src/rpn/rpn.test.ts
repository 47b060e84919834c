import * as tf from '@tensorflow/tfjs-core';
import { initBackend, Rng } from '@kestrel/runtime';
import { Box2BoxTransform, Matcher } from '@kestrel/ops';
import { decodeBoxesArray } from '../box-arrays';
import { labelAndSampleAnchors } from './anchor-targets';
import { findTopProposals } from './proposals';
import { RPN } from './rpn';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
});

const rpnMatcher = () => new Matcher({ thresholds: [0.3, 0.7], labels: [0, -1, 1], allowLowQualityMatches: true });
const box = (...v: number[]) => Float32Array.from(v);

describe('decodeBoxesArray', () => {
  it('decodes by hand-computed cases, class-specific columns and the scale clamp', () => {
    // Anchor [0, 0, 10, 20]: w 10, h 20, centre (5, 10). dx 0.1 → cx 6; dy −0.2 → cy 6; dw log 2 → w 20.
    expect(Array.from(decodeBoxesArray(box(0.1, -0.2, Math.log(2), 0), box(0, 0, 10, 20), [0], 1, [1, 1, 1, 1]))).toEqual(
      [-4, -4, 16, 16].map((v) => expect.closeTo(v, 5)),
    );
    // RoI weights (10, 10, 5, 5) divide the deltas; the second class's column block is used.
    const two = decodeBoxesArray(box(0, 0, 0, 0, 1, 0, 5 * Math.log(2), 0), box(0, 0, 10, 20), [0], 2, [10, 10, 5, 5]);
    expect(Array.from(two)).toEqual([0, 0, 10, 20, -4, 0, 16, 20].map((v) => expect.closeTo(v, 5)));
    // dw = 100 is clamped at log(1000/16): w = 10·62.5.
    const clamped = decodeBoxesArray(box(0, 0, 100, 0), box(0, 0, 10, 10), [0], 1, [1, 1, 1, 1]);
    expect(clamped[2]! - clamped[0]!).toBeCloseTo(625, 3);
  });

  it('agrees with the tensor Box2BoxTransform of @kestrel/ops', () => {
    const rng = new Rng(4);
    const boxes = Float32Array.from({ length: 40 }, (_, i) => (i % 4 < 2 ? rng.uniform(0, 50) : rng.uniform(60, 120)));
    const deltas = Float32Array.from({ length: 40 }, () => rng.uniform(-2, 2));
    const coder = new Box2BoxTransform({ weights: [10, 10, 5, 5] });
    const expected = tf.tidy(() => coder.applyDeltas(tf.tensor2d(deltas, [10, 4]), tf.tensor2d(boxes, [10, 4])).dataSync());
    const got = decodeBoxesArray(deltas, boxes, Array.from({ length: 10 }, (_, i) => i), 1, [10, 10, 5, 5]);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 3));
  });
});

describe('labelAndSampleAnchors', () => {
  // GT [0, 0, 10, 10]. Anchors: the same box (IoU 1), half of it (0.5: ignored), a distant box
  // (0: negative), a 0.25-IoU box (negative). GT 2 [100, 100, 110, 110] overlaps only anchor 4
  // with IoU 100 / 250 = 0.4 < 0.7, which becomes positive as its best match (low-quality match).
  const anchors = box(0, 0, 10, 10, 0, 0, 10, 5, 50, 50, 60, 60, 0, 0, 20, 5, 100, 100, 125, 110, 200, 200, 210, 210);
  const targets = { boxes: box(0, 0, 10, 10, 100, 100, 110, 110), labels: Int32Array.from([0, 1]) };

  it('labels by the 0.3 / 0.7 thresholds with low-quality matches and returns matched boxes', () => {
    const { labels, matchedBoxes } = labelAndSampleAnchors(
      anchors,
      targets,
      { matcher: rpnMatcher(), batchSizePerImage: 256, positiveFraction: 0.5, crowdIgnoreIoF: 0.5 },
      new Rng(0),
    );
    // IoU(anchor 3, GT 1) = 50 / (100 + 100 − 50) = 1/3 ≥ 0.3 → ignored.
    expect(Array.from(labels)).toEqual([1, -1, 0, -1, 1, 0]);
    expect(Array.from(matchedBoxes.subarray(0, 4))).toEqual([0, 0, 10, 10]);
    expect(Array.from(matchedBoxes.subarray(16, 20))).toEqual([100, 100, 110, 110]);
  });

  it('ignores background anchors mostly inside a crowd region, and only those', () => {
    const crowd = { ...targets, crowdBoxes: box(45, 45, 58, 70) }; // covers 8 × 10 of anchor 2's 10 × 10
    const opts = { matcher: rpnMatcher(), batchSizePerImage: 256, positiveFraction: 0.5 };
    expect(Array.from(labelAndSampleAnchors(anchors, crowd, { ...opts, crowdIgnoreIoF: 0.5 }, new Rng(0)).labels)).toEqual([1, -1, -1, -1, 1, 0]);
    expect(Array.from(labelAndSampleAnchors(anchors, crowd, { ...opts, crowdIgnoreIoF: 0.9 }, new Rng(0)).labels)).toEqual([1, -1, 0, -1, 1, 0]);
    expect(Array.from(labelAndSampleAnchors(anchors, crowd, { ...opts, crowdIgnoreIoF: null }, new Rng(0)).labels)).toEqual([1, -1, 0, -1, 1, 0]);
  });

  it('samples at most batch·fraction positives and fills the rest with negatives', () => {
    // 10 copies of the GT (positives) and 10 distant boxes (negatives), batch 8 at 50 %.
    const many = new Float32Array(80);
    for (let i = 0; i < 10; i++) many.set([0, 0, 10, 10], 4 * i);
    for (let i = 10; i < 20; i++) many.set([50 + i, 50, 60 + i, 60], 4 * i);
    const { labels } = labelAndSampleAnchors(
      many,
      { boxes: box(0, 0, 10, 10), labels: Int32Array.from([0]) },
      { matcher: rpnMatcher(), batchSizePerImage: 8, positiveFraction: 0.5, crowdIgnoreIoF: null },
      new Rng(1),
    );
    expect(labels.slice(0, 10).filter((l) => l === 1).length).toBe(4);
    expect(labels.slice(10).filter((l) => l === 0).length).toBe(4);
    expect(labels.filter((l) => l === -1).length).toBe(12);
    // With no ground truth every sampled anchor is negative.
    const none = labelAndSampleAnchors(many, { boxes: new Float32Array(0), labels: new Int32Array(0) }, { matcher: rpnMatcher(), batchSizePerImage: 8, positiveFraction: 0.5, crowdIgnoreIoF: null }, new Rng(1));
    expect(none.labels.filter((l) => l === 0).length).toBe(8);
    expect(none.labels.filter((l) => l === 1).length).toBe(0);
  });
});

describe('findTopProposals', () => {
  const options = { preNmsTopK: 2, postNmsTopK: 10, nmsThreshold: 0.7, minBoxSize: 0, boxWeights: [1, 1, 1, 1] as const };

  it('keeps the per-level top-k, clips, drops empty boxes, and suppresses overlaps within a level only', () => {
    // Level 0: three anchors; the lowest-scoring one is cut by top-k 2. Anchor 1 overlaps anchor 0
    // with IoU 0.8 → suppressed. Level 1: the same box as level 0's anchor 0 (kept: other level),
    // and a box entirely outside the 40×40 image (empty after clipping).
    const level0 = { anchors: box(0, 0, 10, 10, 0, 0, 10, 8, 20, 20, 30, 30), logits: box(3, 2, 1), deltas: new Float32Array(12) };
    const level1 = { anchors: box(0, 0, 10, 10, 50, 50, 60, 60), logits: box(5, 9), deltas: new Float32Array(8) };
    const { boxes, objectnessLogits } = findTopProposals([level0, level1], [40, 40], options);
    expect(Array.from(objectnessLogits)).toEqual([5, 3]);
    expect(Array.from(boxes)).toEqual([0, 0, 10, 10, 0, 0, 10, 10]);
  });

  it('decodes the deltas, clips to the image and keeps postNmsTopK by decreasing score', () => {
    const level = { anchors: box(0, 0, 10, 10, 20, 20, 30, 30, 5, 25, 15, 35), logits: box(1, 2, 3), deltas: box(0, 0, Math.log(4), 0, 0, 0, 0, 0, 0, 0, 0, 0) };
    const out = findTopProposals([level], [32, 32], { ...options, preNmsTopK: 3, postNmsTopK: 2 });
    expect(Array.from(out.objectnessLogits)).toEqual([3, 2]);
    expect(Array.from(out.boxes)).toEqual([5, 25, 15, 32, 20, 20, 30, 30]);
    // Anchor 0 widened to 40 around x = 5 and clipped: [0, 0, 25, 10] (when kept).
    const all = findTopProposals([level], [32, 32], { ...options, preNmsTopK: 3 });
    expect(Array.from(all.boxes.subarray(8))).toEqual([0, 0, 25, 10]);
  });
});

describe('RPN', () => {
  // One level, stride 8, an 8 × 8 grid on a 64 × 64 image, one square anchor of size 32 per
  // location: anchor (i, j) = [8j − 16, 8i − 16, 8j + 16, 8i + 16].
  const build = (batchSizePerImage = 16) =>
    new RPN({
      inputShapes: { p3: { channels: 4, stride: 8 } },
      inFeatures: ['p3'],
      anchorSizes: [[32]],
      aspectRatios: [1],
      batchSizePerImage,
      preNmsTopKTrain: 20,
      postNmsTopKTrain: 10,
      preNmsTopKTest: 30,
      postNmsTopKTest: 5,
      rng: new Rng(3),
    });

  it('initialises the head with N(0, 0.01²) and zero biases, detectron2 names', () => {
    const rpn = new RPN({ inputShapes: { p2: { channels: 64, stride: 4 } }, inFeatures: ['p2'], anchorSizes: [[32]], rng: new Rng(1) });
    expect(rpn.namedParameters().map(([n]) => n)).toEqual([
      'rpn_head.conv.weight',
      'rpn_head.conv.bias',
      'rpn_head.objectness_logits.weight',
      'rpn_head.objectness_logits.bias',
      'rpn_head.anchor_deltas.weight',
      'rpn_head.anchor_deltas.bias',
    ]);
    const w = Array.from(rpn.parameter('rpn_head.conv.weight').dataSync());
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeCloseTo(0.01, 3);
    expect(rpn.parameter('rpn_head.anchor_deltas.weight').shape).toEqual([1, 1, 64, 12]);
    rpn.dispose();
  });

  it('gives loss_rpn_cls = log 2 and loss_rpn_loc = 4|d|·#pos / (256·N) for a head outputting 0 and d', () => {
    const rpn = build(16);
    tf.tidy(() => {
      for (const [name, p] of rpn.namedParameters()) p.assign(name === 'rpn_head.anchor_deltas.bias' ? tf.fill(p.shape, 0.5) : tf.zeros(p.shape));
    });
    const p3 = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    // The GT equals anchor (4, 4); its neighbours have IoU 0.6 < 0.7, so it is the only positive.
    const targets = [0, 1].map(() => ({ boxes: box(16, 16, 48, 48), labels: Int32Array.from([0]) }));
    const { losses, proposals } = rpn.forward({ p3 }, [[64, 64], [64, 64]], targets);
    // Every sampled anchor has logit 0: BCE log 2 each, 16 per image, divided by 16·2.
    expect(losses!.loss_rpn_cls.dataSync()[0]).toBeCloseTo(Math.log(2), 5);
    // One positive per image with target deltas 0 and predicted 0.5 on each coordinate.
    expect(losses!.loss_rpn_loc.dataSync()[0]).toBeCloseTo((2 * 4 * 0.5) / (16 * 2), 6);
    expect(proposals).toHaveLength(2);
    expect(proposals[0]!.objectnessLogits.length).toBeLessThanOrEqual(10);
    tf.dispose([p3, ...Object.values(losses!)]);
    rpn.dispose();
  });

  it('trains (gradients reach every head parameter), and proposes boxes in the image at inference; no tensors leak', () => {
    const rpn = build();
    const p3 = tf.randomNormal([1, 8, 8, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const targets = [{ boxes: box(10, 12, 40, 50), labels: Int32Array.from([0]) }];
    const counts: number[] = [];
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const { losses } = rpn.forward({ p3 }, [[64, 64]], targets);
        return tf.add(losses!.loss_rpn_cls, losses!.loss_rpn_loc) as tf.Scalar;
      }, rpn.trainableParameters());
      expect(Object.keys(grads)).toHaveLength(6);
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory().numTensors);
    }
    expect(counts[2]).toBe(counts[1]);
    rpn.eval();
    const { proposals, losses } = rpn.forward({ p3 }, [[60, 50]]);
    expect(losses).toBeUndefined();
    const { boxes, objectnessLogits } = proposals[0]!;
    expect(objectnessLogits.length).toBe(5);
    for (let i = 1; i < objectnessLogits.length; i++) expect(objectnessLogits[i]!).toBeLessThanOrEqual(objectnessLogits[i - 1]!);
    for (let i = 0; i < boxes.length; i += 4) {
      expect(boxes[i]!).toBeGreaterThanOrEqual(0);
      expect(boxes[i + 2]!).toBeLessThanOrEqual(50);
      expect(boxes[i + 3]!).toBeLessThanOrEqual(60);
      expect(boxes[i + 2]! > boxes[i]! && boxes[i + 3]! > boxes[i + 1]!).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(counts[2]);
    p3.dispose();
    rpn.dispose();
  });
});
