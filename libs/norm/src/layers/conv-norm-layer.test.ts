import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@kestrel/runtime';
import { pseudoRandom } from '../testing';
import { ConvNormLayer } from './conv-norm-layer';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function model(norm: string): tfl.Sequential {
  const m = tfl.sequential();
  m.add(new ConvNormLayer({ filters: 4, kernelSize: 3, norm, inputShape: [6, 6, 2] }));
  m.add(tfl.layers.globalAveragePooling2d({}));
  m.add(tfl.layers.dense({ units: 1 }));
  m.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
  return m;
}

describe('ConvNormLayer (tf.layers)', () => {
  it.each(['cbn', 'bn', 'ln'])('trains inside a LayersModel with %s and exposes Keras-style weights', async (norm) => {
    const m = model(norm);
    const xs = tf.tensor4d(pseudoRandom(8 * 6 * 6 * 2, 1), [8, 6, 6, 2]);
    const ys = tf.sum(xs, [1, 2, 3]).reshape([8, 1]);
    const history = await m.fit(xs, ys, { epochs: 8, batchSize: 2, shuffle: false, verbose: 0 });
    const losses = history.history['loss'] as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    const layer = m.layers[0] as ConvNormLayer;
    const names = layer.weights.map((w) => w.originalName.split('/').pop());
    if (norm === 'ln') expect(names).toEqual(['kernel', 'gamma', 'beta']);
    else expect(names).toEqual(['kernel', 'gamma', 'beta', 'moving_mean', 'moving_variance']);
    if (norm !== 'ln') {
      // Running statistics moved away from their initial zeros during fit.
      const movingMean = layer.weights.find((w) => w.originalName.endsWith('moving_mean'))!.read();
      expect(Math.max(...Array.from(movingMean.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    }
    // Inference uses the moving statistics: deterministic across calls, batch-independent.
    const one = m.predict(xs.slice([0], [1])) as tf.Tensor;
    const all = m.predict(xs) as tf.Tensor;
    expect(Array.from(one.dataSync())[0]).toBeCloseTo(all.dataSync()[0]!, 5);
    m.dispose();
  });

  it('rejects a norm it cannot host, naming the option', () => {
    expect(() => new ConvNormLayer({ filters: 4, kernelSize: 3, norm: 'frozen-bn' })).toThrow(/KestrelConvNorm.norm: "frozen-bn" has nothing to train/);
    expect(() => new ConvNormLayer({ filters: 4, kernelSize: 3, norm: 'sync-bn' })).toThrow(/unknown norm type "sync-bn"/);
  });
});
