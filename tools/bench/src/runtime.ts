/**
 * Runtime benchmark: GFLOP/s per training kernel on wasm with Kestrel's kernels, on plain wasm
 * and on cpu (and tensorflow when tfjs-node loads), then ms/iteration of a ResNet-18 + FPN
 * training step. Every configuration runs in its own child process (a backend's thread count is
 * fixed when it initialises, and the wasm heap never shrinks).
 *
 *   npx nx run bench:runtime [--sizes=256,512] [--iters=3] [--threads=1,2] [--quick] [--no-cpu]
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, probeNativeProvider, NATIVE_PROVIDERS } from '@kestrel/runtime';
import { convFlops, createResnet18FpnWorkload, resnet18FpnConvs } from './resnet18-fpn-workload';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  sizes: number[];
  iters: number;
  threads: number[];
  quick: boolean;
  cpu: boolean;
}

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const known = new Set(['sizes', 'iters', 'threads', 'quick', 'no-cpu']);
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown flag --${name} (known: ${[...known].join(', ')})`);
  const quick = flags.get('quick') === 'true';
  const list = (value: string | undefined, fallback: number[]) =>
    value === undefined ? fallback : value.split(',').map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${v}`);
      return n;
    });
  return {
    sizes: list(flags.get('sizes'), quick ? [256] : [256, 512]),
    iters: list(flags.get('iters'), [quick ? 2 : 3])[0]!,
    threads: list(flags.get('threads'), quick ? [2] : [1, 2]),
    quick,
    cpu: flags.get('no-cpu') !== 'true',
  };
}

// ---------------------------------------------------------------------------------------------
// Kernel cases

interface KernelCase {
  kernel: string;
  shape: string;
  /** Forward FLOPs (2 · multiply-adds); a gradient kernel does the same amount of work. */
  flops: number;
  /** Small enough for the cpu backend. */
  small: boolean;
  quick: boolean;
  make: () => { inputs: tf.NamedTensorMap; attrs: tf.NamedAttrMap };
}

type Conv = { batch: number; size: number; inC: number; outC: number; k: number; stride: number; small?: boolean; quick?: boolean };

const CONVS: Conv[] = [
  { batch: 2, size: 16, inC: 64, outC: 64, k: 3, stride: 1, small: true, quick: true },
  { batch: 2, size: 128, inC: 64, outC: 64, k: 3, stride: 1 },
  { batch: 2, size: 64, inC: 256, outC: 256, k: 3, stride: 1, quick: true },
  { batch: 2, size: 128, inC: 64, outC: 128, k: 3, stride: 2 },
  { batch: 2, size: 32, inC: 512, outC: 256, k: 1, stride: 1 },
  { batch: 2, size: 256, inC: 3, outC: 64, k: 7, stride: 2 },
];

function convCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  for (const c of CONVS) {
    const out = Math.ceil(c.size / c.stride);
    const flops = 2 * c.batch * out * out * c.k * c.k * c.inC * c.outC;
    const shape = `${c.k}x${c.k}${c.stride > 1 ? ` s${c.stride}` : ''} ${c.inC}->${c.outC} on ${c.batch}x${c.size}x${c.size}`;
    const xShape = [c.batch, c.size, c.size, c.inC];
    const filterShape = [c.k, c.k, c.inC, c.outC];
    const dyShape = [c.batch, out, out, c.outC];
    const common = { strides: c.stride, pad: 'same', dataFormat: 'NHWC' };
    const base = { shape, flops, small: c.small ?? false, quick: c.quick ?? false };
    cases.push(
      { ...base, kernel: 'Conv2D', make: () => ({ inputs: { x: tf.randomNormal(xShape), filter: tf.randomNormal(filterShape) }, attrs: { ...common, dilations: 1 } }) },
      { ...base, kernel: 'Conv2DBackpropInput', make: () => ({ inputs: { dy: tf.randomNormal(dyShape), filter: tf.randomNormal(filterShape) }, attrs: { ...common, inputShape: xShape } }) },
      { ...base, kernel: 'Conv2DBackpropFilter', make: () => ({ inputs: { x: tf.randomNormal(xShape), dy: tf.randomNormal(dyShape) }, attrs: { ...common, filterShape } }) },
    );
  }
  return cases;
}

function depthwiseCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  for (const [batch, size, channels, small] of [[2, 16, 32, true], [2, 64, 128, false]] as const) {
    const flops = 2 * batch * size * size * 9 * channels;
    const shape = `3x3 dw x${channels} on ${batch}x${size}x${size}`;
    const xShape = [batch, size, size, channels];
    const filterShape = [3, 3, channels, 1];
    const common = { strides: 1, pad: 'same', dilations: 1 };
    const base = { shape, flops, small, quick: small };
    cases.push(
      { ...base, kernel: 'DepthwiseConv2dNative', make: () => ({ inputs: { x: tf.randomNormal(xShape), filter: tf.randomNormal(filterShape) }, attrs: common }) },
      { ...base, kernel: 'DepthwiseConv2dNativeBackpropInput', make: () => ({ inputs: { dy: tf.randomNormal(xShape), filter: tf.randomNormal(filterShape) }, attrs: { ...common, inputShape: xShape } }) },
      { ...base, kernel: 'DepthwiseConv2dNativeBackpropFilter', make: () => ({ inputs: { x: tf.randomNormal(xShape), dy: tf.randomNormal(xShape) }, attrs: { ...common, filterShape } }) },
    );
  }
  return cases;
}

function matMulCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  for (const [m, k, n, small] of [[64, 128, 128, true], [256, 1024, 1024, false]] as const) {
    for (const [transposeA, transposeB, role] of [[false, false, 'x·W'], [false, true, 'dy·Wᵀ (dx)'], [true, false, 'xᵀ·dy (dW)']] as const) {
      cases.push({
        kernel: 'BatchMatMul',
        shape: `${m}x${k}x${n} ${role}`,
        flops: 2 * m * k * n,
        small,
        quick: small,
        make: () => ({
          inputs: { a: tf.randomNormal(transposeA ? [k, m] : [m, k]), b: tf.randomNormal(transposeB ? [n, k] : [k, n]) },
          attrs: { transposeA, transposeB },
        }),
      });
    }
  }
  return cases;
}

const KERNEL_CASES = [...convCases(), ...depthwiseCases(), ...matMulCases()];

// ---------------------------------------------------------------------------------------------
// Child processes

type Config =
  | { backend: 'wasm'; threads: number; trainingKernels: boolean }
  | { backend: 'cpu' }
  | { backend: 'tensorflow' };

type Job = { task: 'kernels'; config: Config; iters: number; quick: boolean } | { task: 'step'; config: Config; iters: number; size: number };

/** Per case: GFLOP/s, or why there is none. */
type KernelResult = { gflops: number; ms: number } | { note: string };

interface StepResult {
  msBest: number;
  msMedian: number;
  /** Process CPU time of the fastest step (all threads): with 1 thread, the time it really computed. */
  cpuMsBest: number;
  gflopPerStep: number;
  tensorsFlat: boolean;
  heapMb?: number;
}

const silentLogger = { info: () => undefined, warn: () => undefined };

async function initFor(config: Config): Promise<void> {
  if (config.backend === 'wasm') {
    await initBackend({ backend: 'wasm', threads: config.threads, trainingKernels: config.trainingKernels, logger: silentLogger });
  } else {
    await initBackend({ backend: config.backend, logger: silentLogger });
  }
}

async function runChild(job: Job): Promise<unknown> {
  await initFor(job.config);
  if (job.task === 'kernels') return benchKernels(job.config, job.iters, job.quick);
  return benchStep(job.size, job.iters);
}

function benchKernels(config: Config, iters: number, quick: boolean): KernelResult[] {
  const synchronous = config.backend !== 'tensorflow';
  return KERNEL_CASES.map((c): KernelResult => {
    if (quick && !c.quick) return { note: 'not run (--quick)' };
    if (config.backend === 'cpu' && !c.small) return { note: 'skipped (too slow)' };
    if (!tf.getKernel(c.kernel, tf.getBackend())) return { note: 'missing' };
    const { inputs, attrs } = c.make();
    try {
      // The first run also creates and packs XNNPACK operators: not timed. Short kernels are
      // repeated (up to 0.3 s) so the best time is not a timer artefact.
      let best = Infinity;
      let spent = 0;
      for (let i = 0; i <= iters || (spent < 300 && i <= 50); i++) {
        const t0 = performance.now();
        const out = tf.engine().runKernel(c.kernel, inputs, attrs) as tf.Tensor;
        // wasm and cpu kernels are synchronous; reading the output back (dataSync copies it out of
        // the heap, and big copies trigger GCs) would be timed too. tensorflow is waited for.
        if (synchronous) out.dispose();
        else out.dataSync();
        const ms = performance.now() - t0;
        if (!out.isDisposed) out.dispose();
        if (i > 0) {
          best = Math.min(best, ms);
          spent += ms;
        }
      }
      return { gflops: c.flops / best / 1e6, ms: best };
    } catch (err) {
      return { note: `failed: ${(err as Error).message.split('\n')[0]!.slice(0, 60)}` };
    } finally {
      tf.dispose(Object.values(inputs));
    }
  });
}

function benchStep(size: number, iters: number): StepResult {
  const workload = createResnet18FpnWorkload({ batch: 2, imageSize: size });
  const images = tf.randomNormal([2, size, size, 3]) as tf.Tensor4D;
  const times: number[] = [];
  let cpuMsBest = Infinity;
  let tensorsAfterFirst = -1;
  let tensorsFlat = true;
  for (let i = 0; i <= iters; i++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const loss = workload.step(images);
    loss.dataSync();
    loss.dispose();
    const cpu = process.cpuUsage(cpu0);
    if (i > 0) {
      // The first step also creates XNNPACK operators.
      times.push(performance.now() - t0);
      cpuMsBest = Math.min(cpuMsBest, (cpu.user + cpu.system) / 1000);
    }
    if (i === 0) tensorsAfterFirst = tf.memory().numTensors;
    else tensorsFlat &&= tf.memory().numTensors === tensorsAfterFirst;
  }
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  const heapMb = backend.wasm ? backend.wasm.HEAPU8.length / 2 ** 20 : undefined;
  images.dispose();
  workload.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  return {
    msBest: sorted[0]!,
    msMedian: sorted[Math.floor(sorted.length / 2)]!,
    cpuMsBest,
    gflopPerStep: (3 * workload.forwardFlops) / 1e9,
    tensorsFlat,
    ...(heapMb === undefined ? {} : { heapMb }),
  };
}

/** Runs a job in a fresh process (same Node flags, so tsx keeps working) and returns its result. */
function spawnJob<T>(job: Job): T | { error: string } {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, `--child=${JSON.stringify(job)}`], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, KESTREL_LOG_LEVEL: 'warn' },
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status === 0 && line.startsWith('{')) return (JSON.parse(line) as { result: T }).result;
  const why = (child.stderr || child.stdout || `exit ${child.status}`).trim().split('\n').find((l) => /Error|error/.test(l)) ?? `exit ${child.status}`;
  return { error: why.slice(0, 200) };
}

// ---------------------------------------------------------------------------------------------
// Report

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const left = (i: number) => i < 2 || header[i] === 'note';
  const line = (cells: string[]) => cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function configName(config: Config): string {
  if (config.backend !== 'wasm') return config.backend;
  return `${config.trainingKernels ? 'wasm+Kestrel' : 'wasm built-in'} t${config.threads}`;
}

function formatKernel(result: KernelResult | undefined): string {
  if (!result) return '';
  if ('note' in result) return result.note;
  return result.gflops >= 10 ? result.gflops.toFixed(1) : result.gflops.toPrecision(2);
}

function tensorflowAvailable(): boolean {
  return NATIVE_PROVIDERS.some((p) => probeNativeProvider(p).ok);
}

async function main(): Promise<void> {
  const childArg = process.argv.find((a) => a.startsWith('--child='));
  if (childArg) {
    const result = await runChild(JSON.parse(childArg.slice('--child='.length)) as Job);
    process.stdout.write(`\n${JSON.stringify({ result })}\n`);
    return;
  }
  const options = parseOptions(process.argv.slice(2));
  const maxThreads = Math.max(...options.threads);
  const configs: Config[] = [
    ...options.threads.map((threads): Config => ({ backend: 'wasm', threads, trainingKernels: true })),
    { backend: 'wasm', threads: maxThreads, trainingKernels: false },
    ...(options.cpu ? [{ backend: 'cpu' } as Config] : []),
    ...(tensorflowAvailable() ? [{ backend: 'tensorflow' } as Config] : []),
  ];

  console.log(`Kestrel runtime benchmark — ${new Date().toISOString()}, Node ${process.version}, ` +
    `${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.availableParallelism()} logical cores)`);
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`Best of ${options.iters} timed runs after one warm-up run, wall clock; load average at start ${load}. On a shared machine expect noise: repeat and take the best.\n`);

  const kernelColumns = configs.map((config) => {
    process.stderr.write(`kernels on ${configName(config)}…\n`);
    const result = spawnJob<KernelResult[]>({ task: 'kernels', config, iters: options.iters, quick: options.quick });
    return 'error' in result ? KERNEL_CASES.map(() => ({ note: `error: ${result.error}` })) : result;
  });
  const shown = KERNEL_CASES.map((c, i) => ({ c, i })).filter(({ c }) => !options.quick || c.quick);
  console.log('Kernel throughput, GFLOP/s (a gradient kernel is credited with its forward op\'s 2·MAC FLOPs)');
  console.log(table(
    ['kernel', 'shape', ...configs.map(configName)],
    shown.map(({ c, i }) => [c.kernel, c.shape, ...kernelColumns.map((col) => formatKernel(col[i]))]),
  ));

  console.log('\nResNet-18 + FPN-256 (P2–P6) training step (forward, backward, SGD update), batch 2 (FLOPs = 3 × forward conv FLOPs, 2·MAC; elementwise ops not counted)');
  const stepRows: string[][] = [];
  const cpuColumn = configs.findIndex((c) => c.backend === 'cpu');
  for (const size of options.sizes) {
    const gflop = (3 * convFlops(resnet18FpnConvs(size), 2)) / 1e9;
    for (const threads of options.threads) {
      const config: Config = { backend: 'wasm', threads, trainingKernels: true };
      process.stderr.write(`training step ${size}² on ${configName(config)}…\n`);
      const r = spawnJob<StepResult>({ task: 'step', config, iters: options.iters, size });
      if ('error' in r) {
        stepRows.push([`${size}x${size}`, configName(config), '', '', gflop.toFixed(1), '', '', '', '', '', `error: ${r.error}`]);
        continue;
      }
      stepRows.push([
        `${size}x${size}`,
        configName(config),
        r.msBest.toFixed(0),
        r.msMedian.toFixed(0),
        r.gflopPerStep.toFixed(1),
        (r.gflopPerStep / (r.msBest / 1000)).toFixed(1),
        r.cpuMsBest.toFixed(0),
        threads === 1 ? (r.gflopPerStep / (r.cpuMsBest / 1000)).toFixed(1) : '',
        r.heapMb === undefined ? '' : r.heapMb.toFixed(0),
        r.tensorsFlat ? 'yes' : 'NO',
        '',
      ]);
    }
    const builtIn = configName({ backend: 'wasm', threads: maxThreads, trainingKernels: false });
    stepRows.push([`${size}x${size}`, builtIn, '', '', gflop.toFixed(1), '', '', '', '', '', 'cannot train: no Conv2DBackpropFilter']);
    if (cpuColumn >= 0) {
      stepRows.push([`${size}x${size}`, 'cpu', '', '', gflop.toFixed(1), '', '', '', '', '', `skipped (too slow): ${estimateCpuStep(kernelColumns[cpuColumn]!, size)}`]);
    }
  }
  console.log(table(
    ['image', 'backend', 'best ms', 'median ms', 'GFLOP/step', 'effective GFLOP/s', 'CPU ms', 'GFLOP/s per CPU s (t1)', 'heap MB', 'tensors flat', 'note'],
    stepRows,
  ));
  console.log('CPU ms: process CPU time of the fastest step. With one thread, GFLOP/s per CPU second is the rate while it had the core (wall-clock rates include time other processes took it).');
}

/** Rough cpu step time from its measured rates on the small 3×3 conv (forward, dx, dW). */
function estimateCpuStep(cpu: KernelResult[], size: number): string {
  const rate = (kernel: string) => {
    const i = KERNEL_CASES.findIndex((c) => c.kernel === kernel && c.small);
    const r = cpu[i];
    return r && 'gflops' in r ? r.gflops : undefined;
  };
  const rates = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'].map(rate);
  if (rates.some((r) => r === undefined)) return '—';
  const forward = convFlops(resnet18FpnConvs(size), 2);
  const seconds = (rates as number[]).reduce((s, r) => s + forward / 1e9 / r, 0);
  return `≈ ${(seconds / 60).toFixed(0)} min/step from its small-conv rates`;
}

main().catch((err: Error) => {
  console.error(err.stack?.split('\n').slice(0, 5).join('\n') ?? String(err));
  process.exit(1);
});
