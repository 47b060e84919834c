import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { collateSamples, hostBatchToBatch, padTo, type Sample } from './batch';
import { denormalizeToRgb, MSRA_CAFFE_NORMALIZATION, TORCHVISION_NORMALIZATION } from './normalize';

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as { firstUse?: boolean }).firstUse = false; // no "install tfjs-node" banner
});

function sample(height: number, width: number, rgb: [number, number, number], imageId: number): Sample {
  const data = new Uint8Array(height * width * 3);
  for (let p = 0; p < height * width; p++) data.set(rgb, p * 3);
  return {
    imageId,
    fileName: `${imageId}.jpg`,
    originalSize: [height * 2, width * 2],
    image: { height, width, data },
    scale: [0.5, 0.5],
    flipped: false,
    targets: { boxes: new Float32Array(), labels: new Int32Array(), categoryIds: [], annotationIds: [], masks: [], crowdBoxes: new Float32Array() },
  };
}

describe('normalisation, padding and batching', () => {
  it('pads to the size divisor', () => {
    expect([padTo(1, 32), padTo(32, 32), padTo(33, 32), padTo(33, 1)]).toEqual([32, 32, 64, 33]);
  });

  it('normalises RGB with torchvision statistics and pads with zeros', () => {
    const host = collateSamples([sample(20, 40, [255, 0, 128], 1), sample(35, 10, [10, 20, 30], 2)], {
      normalization: TORCHVISION_NORMALIZATION,
    });
    expect(host.shape).toEqual([2, 64, 64, 3]);
    const at = (n: number, y: number, x: number): number[] => Array.from(host.pixels.subarray(((n * 64 + y) * 64 + x) * 3, ((n * 64 + y) * 64 + x) * 3 + 3));
    const expected = [(255 - 123.675) / 58.395, (0 - 116.28) / 57.12, (128 - 103.53) / 57.375];
    at(0, 19, 39).forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 5));
    expect(at(0, 20, 0)).toEqual([0, 0, 0]); // below the first image: padding
    expect(at(0, 0, 40)).toEqual([0, 0, 0]); // right of it
    expect(at(1, 34, 9)[0]).toBeCloseTo((10 - 123.675) / 58.395, 5);
    expect(at(1, 34, 10)).toEqual([0, 0, 0]);
  });

  it('reorders to BGR for caffe weights, and undoes it for display', () => {
    const host = collateSamples([sample(2, 2, [200, 100, 50], 1)], { normalization: MSRA_CAFFE_NORMALIZATION, sizeDivisibility: 1 });
    expect(Array.from(host.pixels.subarray(0, 3))).toEqual([50 - 103.53, 100 - 116.28, 200 - 123.675].map(Math.fround));
    const back = denormalizeToRgb(host.pixels, 2, 2, MSRA_CAFFE_NORMALIZATION);
    expect(Array.from(back.data.subarray(0, 3))).toEqual([200, 100, 50]);
  });

  it('makes an NHWC float32 tensor with per-image sizes and scale factors', () => {
    const batch = hostBatchToBatch(collateSamples([sample(20, 40, [1, 2, 3], 7), sample(30, 10, [1, 2, 3], 8)], { normalization: TORCHVISION_NORMALIZATION }));
    expect(batch.images.shape).toEqual([2, 32, 64, 3]);
    expect(batch.images.dtype).toBe('float32');
    expect(batch.imageIds).toEqual([7, 8]);
    expect(batch.imageSizes).toEqual([[20, 40], [30, 10]]);
    expect(batch.originalSizes).toEqual([[40, 80], [60, 20]]);
    expect(batch.scaleFactors).toEqual([[0.5, 0.5], [0.5, 0.5]]);
    const before = tf.memory().numTensors;
    batch.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
  });

  it('rejects bad normalisation settings with the field name', () => {
    expect(() => collateSamples([sample(2, 2, [0, 0, 0], 1)], { normalization: { channelOrder: 'RGB', mean: [0, 0, 0], std: [1, 0, 1] } })).toThrow(
      'normalization.std: expected 3 positive numbers, got [1,0,1]',
    );
  });
});
