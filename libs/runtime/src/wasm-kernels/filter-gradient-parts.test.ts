import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { conv2dFilterGradientParts, type FilterGradientConv, type UpstreamPart } from '../ops/filter-gradient-parts';
import { filterGradientConfig } from './conv2d-backprop-filter';
import { expectClose, liveCounts, randomValues, runKernelOn, seededRandom, setUpBackends } from './test-utils';

interface Case {
  name: string;
  x: [number, number, number, number];
  conv: FilterGradientConv;
  /** Forces a path of the wasm kernel. */
  config?: Partial<typeof filterGradientConfig>;
}

// Paths as chosen by default unless `config` forces one (planes need ≥ 16 input channels and
// at most 1.5 padded positions per output position; maps this small would take the per-part
// im2col path by default, so the plane cases turn it off).
const CASES: Case[] = [
  { name: '1x1 stride 1 (planes)', x: [2, 8, 8, 16], conv: { filterSize: [1, 1], strides: [1, 1], pad: 'valid' }, config: { perPartMaxFloats: 0 } },
  { name: '1x1 stride 2 (planes)', x: [1, 9, 9, 16], conv: { filterSize: [1, 1], strides: [2, 2], pad: 'same' }, config: { perPartMaxFloats: 0 } },
  { name: '3x3 stride 1 same (planes)', x: [2, 10, 10, 16], conv: { filterSize: [3, 3], strides: [1, 1], pad: 'same' }, config: { perPartMaxFloats: 0 } },
  { name: '3x3 stride 2 same (planes)', x: [1, 11, 12, 16], conv: { filterSize: [3, 3], strides: [2, 2], pad: 'same' }, config: { perPartMaxFloats: 0 } },
  { name: '1x1 stride 1 on a small map (im2col per part, default)', x: [2, 4, 4, 32], conv: { filterSize: [1, 1], strides: [1, 1], pad: 'valid' } },
  { name: '3x3 stride 2 same (im2col per part, default)', x: [1, 11, 12, 16], conv: { filterSize: [3, 3], strides: [2, 2], pad: 'same' } },
  { name: '7x7 stride 2, 3 input channels (stem: im2col)', x: [2, 16, 16, 3], conv: { filterSize: [7, 7], strides: [2, 2], pad: 'same' } },
  { name: '3x3 on a small map (im2col)', x: [2, 4, 4, 24], conv: { filterSize: [3, 3], strides: [1, 1], pad: 1 } },
  {
    name: '3x3 stride 2, explicit asymmetric pads (planes)',
    x: [2, 10, 9, 16],
    conv: { filterSize: [3, 3], strides: [2, 2], pad: [[0, 0], [1, 0], [0, 2], [0, 0]] },
    config: { perPartMaxFloats: 0 },
  },
  {
    name: '3x3, im2col in blocks of two taps',
    x: [1, 6, 6, 16],
    conv: { filterSize: [3, 3], strides: [1, 1], pad: 'same' },
    config: { maxPlaneOverhead: 0, blockFloats: 2 * 16 * 36 },
  },
  {
    name: '3x3, planes in bands of rows',
    x: [2, 12, 12, 16],
    conv: { filterSize: [3, 3], strides: [1, 1], pad: 'same' },
    config: { chunkPositions: 40, perPartMaxFloats: 0 },
  },
  {
    name: '3x3 stride 2, planes in groups of images (last one partial)',
    x: [3, 12, 12, 16],
    conv: { filterSize: [3, 3], strides: [2, 2], pad: 'same' },
    config: { chunkPositions: 110, perPartMaxFloats: 0 },
  },
];

type PartSpec = { channels: number; scale?: number } | { constant: number };

// Upstream widths 8 (plain), 17 (→ 24), 16 (no zero columns), 7 scaled (→ 8), a constant alone.
const PART_SETS: [string, PartSpec[]][] = [
  ['[dy]', [{ channels: 8 }]],
  ['[dy, y·0.01, 0.5] (width 17)', [{ channels: 8 }, { channels: 8, scale: 0.01 }, { constant: 0.5 }]],
  ['[dy, y·0.01, 0.5] (width 16)', [{ channels: 5 }, { channels: 10, scale: 0.01 }, { constant: 0.5 }]],
  ['[dy·0.5] (width 7)', [{ channels: 7, scale: 0.5 }]],
  ['[2]', [{ constant: 2 }]],
];

interface Problem {
  x: Float32Array;
  /** Per part: its tensor's values (undefined for a constant). */
  tensors: (Float32Array | undefined)[];
  outShape: [number, number, number];
}

function makeProblem(c: Case, specs: PartSpec[], seed: number): Problem {
  const random = seededRandom(seed);
  const info = backend_util.computeConv2DInfo(c.x, [...c.conv.filterSize, c.x[3], 1], c.conv.strides, 1, c.conv.pad);
  const outShape: [number, number, number] = [info.batchSize, info.outHeight, info.outWidth];
  const positions = outShape[0] * outShape[1] * outShape[2];
  return {
    x: randomValues(tf.util.sizeFromShape(c.x), random),
    tensors: specs.map((spec) => ('channels' in spec ? randomValues(positions * spec.channels, random) : undefined)),
    outShape,
  };
}

/** Each part's filter gradient as its own Conv2DBackpropFilter on the cpu backend. */
async function reference(c: Case, specs: PartSpec[], problem: Problem): Promise<Float32Array[]> {
  const positions = problem.outShape[0] * problem.outShape[1] * problem.outShape[2];
  const results: Float32Array[] = [];
  for (const [i, spec] of specs.entries()) {
    const width = 'channels' in spec ? spec.channels : 1;
    const dy = 'channels' in spec
      ? problem.tensors[i]!.map((v) => v * (spec.scale ?? 1))
      : new Float32Array(positions).fill(spec.constant);
    const attrs = { strides: c.conv.strides, pad: c.conv.pad, dataFormat: 'NHWC', filterShape: [...c.conv.filterSize, c.x[3], width] };
    const inputs = { x: { values: problem.x, shape: c.x }, dy: { values: dy, shape: [...problem.outShape, width] } };
    const out = await runKernelOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    results.push(out.values);
  }
  return results;
}

/** Runs the op on the current backend; returns each result's shape and values. */
function runParts(c: Case, specs: PartSpec[], problem: Problem): { shape: number[]; values: Float32Array }[] {
  const x = tf.tensor4d(problem.x, c.x);
  const tensors: tf.Tensor[] = [];
  const parts = specs.map((spec, i): UpstreamPart => {
    if (!('channels' in spec)) return spec;
    const tensor = tf.tensor4d(problem.tensors[i]!, [...problem.outShape, spec.channels]);
    tensors.push(tensor);
    return spec.scale === undefined ? { tensor } : { tensor, scale: spec.scale };
  });
  const results = conv2dFilterGradientParts(x, parts, c.conv);
  const out = results.map((r) => ({ shape: r.shape.slice(), values: new Float32Array(r.dataSync()) }));
  tf.dispose([x, ...tensors, ...results]);
  return out;
}

async function expectMatchesReference(backend: 'wasm' | 'cpu', c: Case, [setName, specs]: [string, PartSpec[]]): Promise<void> {
  const problem = makeProblem(c, specs, 7);
  const want = await reference(c, specs, problem);
  await tf.setBackend(backend);
  const saved = { ...filterGradientConfig };
  Object.assign(filterGradientConfig, c.config);
  try {
    const got = runParts(c, specs, problem);
    expect(got.map((g) => g.shape)).toEqual(specs.map((s) => [...c.conv.filterSize, c.x[3], 'channels' in s ? s.channels : 1]));
    got.forEach((g, i) => expectClose(g.values, want[i]!, 1e-4, `${c.name} ${setName} part ${i}`));
  } finally {
    Object.assign(filterGradientConfig, saved);
  }
}

beforeAll(() => setUpBackends());

describe('conv2dFilterGradientParts on wasm (KestrelConv2DBackpropFilterParts) matches per-part cpu gradients', () => {
  describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    it.each(PART_SETS.map((set) => [set[0], set] as const))('%s', (_, set) => expectMatchesReference('wasm', c, set));
  });
});

describe('conv2dFilterGradientParts on cpu (concat, Conv2DBackpropFilter, split) matches per-part gradients', () => {
  it('has no fused kernel on cpu', () => {
    expect(tf.getKernel('KestrelConv2DBackpropFilterParts', 'cpu')).toBeUndefined();
  });
  it.each(PART_SETS.map((set) => [set[0], set] as const))('3x3 stride 2 same, %s', (_, set) => expectMatchesReference('cpu', CASES[3]!, set));
  it('1x1 stride 1, [dy, y·0.01, 0.5]', () => expectMatchesReference('cpu', CASES[0]!, PART_SETS[1]!));
});

describe('conv2dFilterGradientParts argument checks', () => {
  const conv: FilterGradientConv = { filterSize: [3, 3], strides: [1, 1], pad: 'same' };
  let x: tf.Tensor4D;
  let dy: tf.Tensor4D;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    x = tf.zeros([2, 6, 6, 4]);
    dy = tf.zeros([2, 6, 6, 3]);
  });
  afterAll(() => tf.dispose([x, dy]));

  const call = (xv: tf.Tensor, parts: UpstreamPart[], c = conv) => () => conv2dFilterGradientParts(xv as tf.Tensor4D, parts, c);
  it.each([
    ['no parts', () => call(x, []), /parts must hold at least one part/],
    ['x not rank 4', () => call(tf.zeros([6, 6, 4]), [{ tensor: dy }]), /x must be a float32 \[N, H, W, Cin\] tensor, got float32 \[6,6,4\]/],
    ['a part of another shape', () => call(x, [{ tensor: dy }, { tensor: tf.zeros([2, 3, 3, 3]) }]),
      /parts\[1\]\.tensor must be a float32 \[2, 6, 6, C\] tensor \(the conv's output shape\), got float32 \[2,3,3,3\]/],
    ['an int32 part', () => call(x, [{ tensor: tf.zeros([2, 6, 6, 1], 'int32') }]), /parts\[0\]\.tensor must be a float32/],
    ['a non-finite scale', () => call(x, [{ tensor: dy, scale: NaN }]), /parts\[0\]\.scale must be a finite number, got NaN/],
    ['a non-finite constant', () => call(x, [{ constant: Infinity }]), /parts\[0\]\.constant must be a finite number/],
    ['not a part', () => call(x, [{} as UpstreamPart]), /parts\[0\] must be \{ tensor, scale\? \} or \{ constant \}/],
    ['bad strides', () => call(x, [{ tensor: dy }], { ...conv, strides: [0, 1] }), /conv\.strides must be two positive integers, got \[0,1\]/],
    ['bad filter size', () => call(x, [{ tensor: dy }], { ...conv, filterSize: [3, 1.5] }), /conv\.filterSize must be two positive integers/],
    ['bad pad', () => call(x, [{ tensor: dy }], { ...conv, pad: -1 }), /conv\.pad must be 'valid', 'same', a non-negative integer or \[\[0, 0\], \[top, bottom\], \[left, right\], \[0, 0\]\], got -1/],
    ['a filter larger than x', () => call(x, [{ constant: 1 }], { ...conv, filterSize: [7, 7], pad: 'valid' }),
      /a 7x7 filter with pad "valid" leaves no output positions on x \[2,6,6,4\]/],
  ])('rejects %s', (_, makeCall, message) => {
    tf.tidy(() => expect(makeCall()).toThrow(message));
  });

  it('the wasm kernel checks its inputs against the attributes', () => {
    const attrs = { parts: [{ input: 0, scale: 1, width: 4 }], filterSize: [3, 3], strides: [1, 1], pad: 'same' };
    expect(() => tf.engine().runKernel('KestrelConv2DBackpropFilterParts', { x, u0: dy }, attrs as unknown as tf.NamedAttrMap))
      .toThrow(/KestrelConv2DBackpropFilterParts: input u0 must be float32 \[2,6,6,4\], got float32 \[2,6,6,3\]/);
  });
});

describe('conv2dFilterGradientParts memory', () => {
  const runs = [['wasm', CASES[2]!], ['wasm', CASES[5]!], ['cpu', CASES[0]!]] as const;
  it.each(runs.map(([backend, c]) => [backend, c.name, c] as const))('leaks nothing on %s, %s', async (backend, _, c) => {
    await tf.setBackend(backend);
    const specs = PART_SETS[1]![1];
    const problem = makeProblem(c, specs, 9);
    runParts(c, specs, problem); // creates any lazily made state
    const before = liveCounts();
    for (let i = 0; i < 3; i++) runParts(c, specs, problem);
    expect(liveCounts()).toEqual(before);
  });
});
