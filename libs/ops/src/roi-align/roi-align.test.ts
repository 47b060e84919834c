import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@kestrel/runtime';
import { roiAlign } from '../index';
import { expectClose, initTestBackends, TEST_BACKENDS, useBackend } from '../testing/backends';

beforeAll(initTestBackends);

/** The doc's 5×5 map with values 0..24 row-major, so v(y, x) = 5y + x. */
function docMap(): tf.Tensor4D {
  return tf.reshape(tf.range(0, 25, 1, 'float32'), [1, 5, 5, 1]) as tf.Tensor4D;
}

/** Values of one RoIAlign output as a flat array (and disposes it). */
function run(features: tf.Tensor4D, boxes: number[][], indices: number[], options: Parameters<typeof roiAlign>[3]): Float32Array {
  const out = roiAlign(features, boxes, indices, options);
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}

describe.each(TEST_BACKENDS)('roiAlign forward on %s', (backend) => {
  useBackend(backend);

  it('matches the golden values from detection-defaults.md (aligned)', () => {
    const map = docMap();
    const values = run(map, [[1, 1, 3, 3]], [0], { outputSize: 4, samplingRatio: 0, aligned: true });
    expectClose(values, [4.5, 5, 5.5, 6, 7, 7.5, 8, 8.5, 9.5, 10, 10.5, 11, 12, 12.5, 13, 13.5]);
    map.dispose();
  });

  it('matches the golden values from detection-defaults.md (legacy, not aligned)', () => {
    const map = docMap();
    const values = run(map, [[1, 1, 3, 3]], [0], { outputSize: 4, samplingRatio: 0, aligned: false });
    expectClose(values, [7.5, 8, 8.5, 9, 10, 10.5, 11, 11.5, 12.5, 13, 13.5, 14, 15, 15.5, 16, 16.5]);
    map.dispose();
  });

  it('samples a linear map exactly at bin centres (7×7, ratio 2, two channels)', () => {
    // c0 = 2y + 3x + 1, c1 = −y + 0.5x: bilinear interpolation of a linear function is exact and
    // the samples of a bin are symmetric about its centre, so each bin equals f(centre).
    const size = 16;
    const values = new Float32Array(size * size * 2);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        values[(y * size + x) * 2] = 2 * y + 3 * x + 1;
        values[(y * size + x) * 2 + 1] = -y + 0.5 * x;
      }
    }
    const map = tf.tensor4d(values, [1, size, size, 2]);
    // Aligned: sampling starts at (x, y) = (2.0, 2.5) with unit bins, so centres are 2.5 + j, 3 + i.
    const out = run(map, [[2.5, 3, 9.5, 10]], [0], { outputSize: 7, samplingRatio: 2 });
    const expected: number[] = [];
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 7; j++) {
        const cy = 3 + i;
        const cx = 2.5 + j;
        expected.push(2 * cy + 3 * cx + 1, -cy + 0.5 * cx);
      }
    }
    expectClose(out, expected, 1e-4);
    map.dispose();
  });

  describe('sample counts on a 1×6 map of x²', () => {
    // Box x ∈ [0.5, 4.5] aligned → sampling span [0, 4]; y collapses onto the single row.
    // Bilinear x² between integers: 0.5 → 0.5, 1.5 → 2.5, 2.5 → 6.5, 3.5 → 12.5; 1 → 1, 2 → 4, 3 → 9.
    const squares = () => tf.tensor4d([0, 1, 4, 9, 16, 25], [1, 1, 6, 1]);
    const box = [[0.5, 0.5, 4.5, 1.5]];

    it('adaptive: ceil(4 / 1) = 4 samples per bin', () => {
      const map = squares();
      expectClose(run(map, box, [0], { outputSize: [1, 1], samplingRatio: 0 }), [(0.5 + 2.5 + 6.5 + 12.5) / 4]);
      expectClose(run(map, box, [0], { outputSize: [1, 2], samplingRatio: 0 }), [(0.5 + 2.5) / 2, (6.5 + 12.5) / 2]);
      map.dispose();
    });

    it('fixed ratios 2 and 1', () => {
      const map = squares();
      expectClose(run(map, box, [0], { outputSize: [1, 1], samplingRatio: 2 }), [(1 + 9) / 2]);
      expectClose(run(map, box, [0], { outputSize: [1, 1], samplingRatio: 1 }), [4]);
      map.dispose();
    });
  });

  it('clamps samples in [−1, 0] and beyond the last pixel, zeroes samples outside [−1, W]', () => {
    // Bins of width 2 centred at x = −1, 1, 3, 5 on a 4-wide map [10, 20, 30, 40]:
    // −1 → clamped to 0 → 10; 1 → 20; 3 ≥ W − 1 → 40; 5 > W → 0.
    const map = tf.tensor4d([10, 20, 30, 40], [1, 1, 4, 1]);
    expectClose(run(map, [[-1.5, 0.5, 6.5, 1.5]], [0], { outputSize: [1, 4], samplingRatio: 1 }), [10, 20, 40, 0]);
    map.dispose();
  });

  it('legacy mode forces tiny boxes to 1×1; aligned mode keeps them tiny', () => {
    const map = docMap();
    // Legacy: roi 1×1 from (1, 1), bins 0.5, samples 1.25 and 1.75 → 5y + x.
    expectClose(run(map, [[1, 1, 1.2, 1.2]], [0], { outputSize: 2, samplingRatio: 1, aligned: false }), [7.5, 8, 10, 10.5]);
    // Aligned: start 0.5, bins 0.1, samples 0.55 and 0.65.
    expectClose(
      run(map, [[1, 1, 1.2, 1.2]], [0], { outputSize: 2, samplingRatio: 0, aligned: true }),
      [3.3, 3.4, 3.8, 3.9],
      1e-5,
    );
    map.dispose();
  });

  it('reads each box from its own image and applies the spatial scale', () => {
    const map = tf.tidy(() => tf.concat([docMap(), tf.add(docMap(), 100)], 0) as tf.Tensor4D);
    const golden = [4.5, 5, 5.5, 6, 7, 7.5, 8, 8.5, 9.5, 10, 10.5, 11, 12, 12.5, 13, 13.5];
    // Box coordinates at stride 2 (scale 1/2) describe the same region as the doc's box.
    const out = run(map, [[2, 2, 6, 6], [2, 2, 6, 6]], [1, 0], { outputSize: 4, spatialScale: 0.5 });
    expectClose(out, [...golden.map((v) => v + 100), ...golden]);
    map.dispose();
  });

  it('returns [0, h, w, C] for no boxes', () => {
    const map = docMap();
    const out = roiAlign(map, new Float32Array(0), [], { outputSize: 7 });
    expect(out.shape).toEqual([0, 7, 7, 1]);
    tf.dispose([out, map]);
  });
});

describe.each(TEST_BACKENDS)('roiAlign gradient on %s', (backend) => {
  useBackend(backend);

  it('scatters dy to the four bilinear neighbours of a single sample', () => {
    // One bin, one sample at (y, x) = (1.25, 2.5): rows 1 and 2 weigh 0.75 and 0.25, columns 2 and 3 weigh 0.5 each.
    const map = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    const grad = tf.grad((f: tf.Tensor) =>
      tf.mul(tf.sum(roiAlign(f as tf.Tensor4D, [[2.5, 1.25, 3.5, 2.25]], [0], { outputSize: 1, samplingRatio: 1 })), 3),
    )(map);
    const expected = new Float32Array(16);
    expected[1 * 4 + 2] = 3 * 0.375;
    expected[1 * 4 + 3] = 3 * 0.375;
    expected[2 * 4 + 2] = 3 * 0.125;
    expected[2 * 4 + 3] = 3 * 0.125;
    expectClose(grad.dataSync(), expected, 1e-6);
    tf.dispose([map, grad]);
  });

  it('agrees with central finite differences (two images, adaptive and fixed sampling, boxes crossing the border)', () => {
    const rng = new Rng(7);
    const shape: [number, number, number, number] = [2, 5, 6, 3];
    const base = rng.fillUniform(new Float32Array(2 * 5 * 6 * 3), -1, 1);
    const boxes = [
      [0.3, 0.7, 4.9, 3.6],
      [-1.2, -0.8, 2.2, 6.5],
      [2.0, 1.0, 7.5, 4.0],
      [1.1, 2.2, 1.6, 2.4],
    ];
    const indices = [0, 1, 1, 0];
    for (const options of [
      { outputSize: 3, samplingRatio: 0 },
      { outputSize: [2, 3] as [number, number], samplingRatio: 2, aligned: false },
    ]) {
      const outSize = 4 * (options.outputSize === 3 ? 9 : 6) * 3;
      const weights = tf.tensor1d(rng.fillUniform(new Float32Array(outSize), -1, 1));
      // A quadratic loss in the output (RoIAlign is linear in the features), so central
      // differences are exact up to float32 rounding for any step.
      const loss = (f: tf.Tensor): tf.Scalar =>
        tf.tidy(() => {
          const out = tf.reshape(roiAlign(f as tf.Tensor4D, boxes, indices, options), [-1]);
          return tf.sum(tf.mul(weights, tf.square(out))) as tf.Scalar;
        });
      const features = tf.tensor4d(base, shape);
      const analytic = tf.grad(loss)(features);
      const numeric = new Float32Array(base.length);
      const h = 0.25;
      for (let i = 0; i < base.length; i++) {
        const plus = base.slice();
        const minus = base.slice();
        plus[i] += h;
        minus[i] -= h;
        const lp = tf.tidy(() => loss(tf.tensor4d(plus, shape)).dataSync()[0]!);
        const lm = tf.tidy(() => loss(tf.tensor4d(minus, shape)).dataSync()[0]!);
        numeric[i] = (lp - lm) / (2 * h);
      }
      expectClose(analytic.dataSync(), numeric, 2e-4);
      expect(Array.from(numeric).some((g) => Math.abs(g) > 0.01)).toBe(true);
      tf.dispose([features, analytic, weights]);
    }
  });

  it('leaves the tensor count unchanged after forward + backward', () => {
    const features = tf.tidy(() => tf.reshape(tf.range(0, 2 * 8 * 8 * 4, 1, 'float32'), [2, 8, 8, 4]) as tf.Tensor4D);
    const before = tf.memory().numTensors;
    const { value, grad } = tf.valueAndGrad((f: tf.Tensor) =>
      tf.sum(roiAlign(f as tf.Tensor4D, [[1, 1, 6, 6], [0, 2, 3, 7]], [0, 1], { outputSize: 2 })),
    )(features);
    tf.dispose([value, grad]);
    expect(tf.memory().numTensors).toBe(before);
    features.dispose();
  });
});
