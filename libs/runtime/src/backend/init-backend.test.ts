import * as tf from '@tensorflow/tfjs-core';
import type { BackendLogger } from './types';
import { initBackend, parseBackendChoice } from './init-backend';
import { probeNativeProvider } from './native-probe';

function recordingLogger(): BackendLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (_o, msg) => lines.push(msg ?? ''), warn: (_o, msg) => lines.push(msg ?? '') };
}

describe('initBackend', () => {
  it('loads the threaded SIMD wasm build with the requested thread count', async () => {
    const logger = recordingLogger();
    const report = await initBackend({ backend: 'wasm', threads: 2, logger });
    expect(tf.getBackend()).toBe('wasm');
    expect(report).toMatchObject({ backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', threads: 2 });
    expect(logger.lines[0]).toMatch(/^TF.js backend: wasm via @tensorflow\/tfjs-backend-wasm \(2 threads\)/);
    // The pool really computes: a conv result matches a hand-computed sum.
    const y = tf.conv2d(tf.ones([1, 4, 4, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 2]) as tf.Tensor4D, 1, 'valid');
    expect(Array.from(y.dataSync())).toEqual(new Array(8).fill(27));
  });

  it('auto picks the first backend that loads and says why earlier ones were skipped', async () => {
    const logger = recordingLogger();
    const report = await initBackend({ backend: 'cpu', logger });
    expect(report.backend).toBe('cpu');
    const auto = await initBackend({ logger: recordingLogger() });
    // Where tfjs-node is not installed (as on CI), auto must fall through to wasm.
    const native = probeNativeProvider('@tensorflow/tfjs-node');
    if (!native.ok) {
      expect(auto.backend).toBe('wasm');
      expect(auto.attempts.filter((a) => !a.ok).map((a) => a.provider)).toEqual([
        '@tensorflow/tfjs-node-gpu',
        '@tensorflow/tfjs-node',
      ]);
    } else {
      expect(auto.backend).toBe('tensorflow');
    }
  });

  it('fails loudly when an explicitly requested backend is unavailable', async () => {
    if (probeNativeProvider('@tensorflow/tfjs-node').ok || probeNativeProvider('@tensorflow/tfjs-node-gpu').ok) return;
    await expect(initBackend({ backend: 'tensorflow', logger: recordingLogger() })).rejects.toThrow(
      /backend "tensorflow" could not be initialised: @tensorflow\/tfjs-node-gpu: not installed/,
    );
  });

  it('validates backend names', () => {
    expect(parseBackendChoice('wasm')).toBe('wasm');
    expect(() => parseBackendChoice('gpu')).toThrow('--backend: unknown backend "gpu"; expected one of auto, tensorflow, wasm, cpu');
  });
});
