// RoIAlign forward/backward timings (median CPU time) on cpu and wasm.
// Run: npx nx run bench:roi-align
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, Rng } from '@kestrel/runtime';
import { ROIPooler, roiAlign } from '@kestrel/ops';

interface Case {
  name: string;
  /** Feature shapes, finest first; one entry → plain roiAlign at stride `strides[0]`. */
  shapes: [number, number, number, number][];
  strides: number[];
  rois: number;
  outputSize: number;
  samplingRatio: number;
  imageSize: number;
}

const CASES: Case[] = [
  {
    name: '512 RoIs × 256 ch × 7×7, one 50×50 map (stride 16), ratio 2',
    shapes: [[1, 50, 50, 256]],
    strides: [16],
    rois: 512,
    outputSize: 7,
    samplingRatio: 2,
    imageSize: 800,
  },
  {
    name: '512 RoIs × 256 ch × 7×7, one 50×50 map (stride 16), adaptive',
    shapes: [[1, 50, 50, 256]],
    strides: [16],
    rois: 512,
    outputSize: 7,
    samplingRatio: 0,
    imageSize: 800,
  },
  {
    name: 'FPN P2–P5 pooler, 2 images 512², 2×256 RoIs × 256 ch × 7×7, adaptive',
    shapes: [[2, 128, 128, 256], [2, 64, 64, 256], [2, 32, 32, 256], [2, 16, 16, 256]],
    strides: [4, 8, 16, 32],
    rois: 256,
    outputSize: 7,
    samplingRatio: 0,
    imageSize: 512,
  },
  {
    name: 'FPN P2–P5 pooler, 2 images 512², 2×64 RoIs × 256 ch × 14×14 (mask), adaptive',
    shapes: [[2, 128, 128, 256], [2, 64, 64, 256], [2, 32, 32, 256], [2, 16, 16, 256]],
    strides: [4, 8, 16, 32],
    rois: 64,
    outputSize: 14,
    samplingRatio: 0,
    imageSize: 512,
  },
];

function randomBoxes(rng: Rng, count: number, imageSize: number): number[][] {
  return Array.from({ length: count }, () => {
    const w = rng.uniform(16, imageSize / 2);
    const h = rng.uniform(16, imageSize / 2);
    const x = rng.uniform(0, imageSize - w);
    const y = rng.uniform(0, imageSize - h);
    return [x, y, x + w, y + h];
  });
}

/**
 * Process CPU time (user + system) in ms: on a shared machine wall time mostly measures the
 * neighbours; everything timed here runs on this thread.
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeCase(c: Case, repeats: number): { forward: number; total: number } {
  const rng = new Rng(1);
  const features = c.shapes.map((s) => tf.tensor4d(rng.fillNormal(new Float32Array(s[0] * s[1] * s[2] * s[3])), s));
  const batch = c.shapes[0]![0];
  const boxLists = Array.from({ length: batch }, () => randomBoxes(rng, c.rois, c.imageSize));
  const pooler = new ROIPooler({ outputSize: c.outputSize, scales: c.strides.map((s) => 1 / s), samplingRatio: c.samplingRatio });
  const pool = (fs: tf.Tensor4D[]): tf.Tensor4D =>
    fs.length === 1
      ? roiAlign(fs[0]!, boxLists[0]!, new Int32Array(c.rois), {
          outputSize: c.outputSize,
          spatialScale: 1 / c.strides[0]!,
          samplingRatio: c.samplingRatio,
        })
      : pooler.pool(fs, boxLists);
  const forwardTimes: number[] = [];
  const totalTimes: number[] = [];
  const outSize = batch * c.rois * c.outputSize * c.outputSize * c.shapes[0]![3];
  const dy = tf.tensor4d(rng.fillNormal(new Float32Array(outSize)), [batch * c.rois, c.outputSize, c.outputSize, c.shapes[0]![3]]);
  for (let i = 0; i <= repeats; i++) {
    let t0 = cpuMs();
    const out = pool(features);
    out.dataSync();
    const forward = cpuMs() - t0;
    out.dispose();
    // tf.grads reruns the forward, then the backward. An explicit dy keeps other ops'
    // gradients (e.g. sum's broadcast) out of the timing.
    t0 = cpuMs();
    const grads = tf.grads((...fs: tf.Tensor[]) => pool(fs as tf.Tensor4D[]))(features, dy);
    grads.forEach((g) => g.dataSync());
    const total = cpuMs() - t0;
    tf.dispose(grads);
    if (i > 0) {
      forwardTimes.push(forward);
      totalTimes.push(total);
    }
  }
  tf.dispose([...features, dy]);
  return { forward: median(forwardTimes), total: median(totalTimes) };
}

async function main(): Promise<void> {
  const repeats = Number(process.env['REPEATS'] ?? 5);
  await initBackend({ backend: 'wasm', threads: 1 });
  await initBackend({ backend: 'cpu' });
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    for (const c of CASES) {
      const before = tf.memory().numTensors;
      const { forward, total } = timeCase(c, repeats);
      const leaked = tf.memory().numTensors - before;
      console.log(
        `${backend.padEnd(4)}  ${c.name}: forward ${forward.toFixed(1)} ms, forward + backward ${total.toFixed(1)} ms (CPU time)` +
          (leaked ? `  (LEAKED ${leaked} tensors)` : ''),
      );
    }
  }
}

void main();
