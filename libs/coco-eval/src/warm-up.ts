/**
 * A small synthetic evaluation a worker runs right after it starts, while the main thread is
 * still preparing: each worker thread has its own JIT, and running the kernels once gets them
 * optimised before the real (large) tasks arrive. The results are discarded.
 */
import { accumulateCategories } from './accumulate';
import { ArrayAllocator, type EvalData, type EvalImgsOutput } from './eval-data';
import { evaluateGroups, MatchScratch } from './evaluate-image';
import { defaultIouThresholds, defaultRecallThresholds, DEFAULT_AREA_RANGES, DEFAULT_MAX_DETS } from './params';

export function warmUpKernels(scratch: MatchScratch): void {
  const numImages = 200;
  const numCategories = 4;
  const dtPerGroup = 12;
  const gtPerGroup = 3;
  const numGroups = numImages * numCategories;
  const numDt = numGroups * dtPerGroup;
  const numGt = numGroups * gtPerGroup;
  let seed = 12345;
  const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const box = (out: Float64Array, i: number): void => {
    out[i * 4] = random() * 200;
    out[i * 4 + 1] = random() * 200;
    out[i * 4 + 2] = 10 + random() * 100;
    out[i * 4 + 3] = 10 + random() * 100;
  };
  // Shared memory, like the real tasks' data, so the optimised code fits both.
  const alloc = new ArrayAllocator(true);
  const f64 = (n: number, f: (i: number) => number): Float64Array => {
    const out = alloc.f64(n);
    for (let i = 0; i < n; i++) out[i] = f(i);
    return out;
  };
  const range = (n: number, f: (i: number) => number): Int32Array => {
    const out = alloc.i32(n);
    for (let i = 0; i < n; i++) out[i] = f(i);
    return out;
  };
  const dtBox = alloc.f64(numDt * 4);
  const gtBox = alloc.f64(numGt * 4);
  for (let d = 0; d < numDt; d++) box(dtBox, d);
  for (let g = 0; g < numGt; g++) box(gtBox, g);
  const data: EvalData = {
    iouType: 'bbox',
    numImages,
    numCategories,
    iouThrs: alloc.copyF64(defaultIouThresholds()),
    recThrs: alloc.copyF64(defaultRecallThresholds()),
    areaRng: alloc.copyF64(DEFAULT_AREA_RANGES.flat()),
    maxDets: range(DEFAULT_MAX_DETS.length, (m) => DEFAULT_MAX_DETS[m]!),
    numGroups,
    groupImage: range(numGroups, (g) => Math.floor(g / numCategories)),
    groupCategory: range(numGroups, (g) => g % numCategories),
    groupDtStart: range(numGroups + 1, (g) => g * dtPerGroup),
    groupGtStart: range(numGroups + 1, (g) => g * gtPerGroup),
    categoryGroupStart: range(numCategories + 1, (k) => k * numImages),
    categoryGroups: range(numGroups, (j) => (j % numImages) * numCategories + Math.floor(j / numImages)),
    numDt,
    dtScore: f64(numDt, (d) => 1 - (d % dtPerGroup) / dtPerGroup),
    dtArea: f64(numDt, (d) => dtBox[d * 4 + 2]! * dtBox[d * 4 + 3]!),
    dtBox,
    dtResultIndex: range(numDt, (d) => d),
    numGt,
    gtArea: f64(numGt, (g) => gtBox[g * 4 + 2]! * gtBox[g * 4 + 3]!),
    gtBox,
    gtCrowd: alloc.u8(numGt),
    gtIgnore: alloc.u8(numGt),
    gtIdZero: alloc.u8(numGt),
    gtAnnotationIndex: range(numGt, (g) => g),
    dtMasks: undefined,
    gtMasks: undefined,
  };
  const T = data.iouThrs.length;
  const A = data.areaRng.length / 2;
  const out: EvalImgsOutput = { codes: alloc.u8(numDt * A * T), npig: alloc.i32(numGroups * A) };
  evaluateGroups(data, out, 0, numGroups, scratch);
  const precision = alloc.f64(T * data.recThrs.length * numCategories * A * data.maxDets.length).fill(-1);
  const recall = alloc.f64(T * numCategories * A * data.maxDets.length).fill(-1);
  accumulateCategories(data, out, [0, 1, 2, 3], precision, recall);
}
