import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, planeLayout, type ConvAttrs, type ConvGeometry, type PlaneLayout } from './conv-geometry';
import {
  aliasView,
  allocate,
  assertChannelsLast,
  elementOffset,
  release,
  releaseAlias,
  reshapedView,
  runWasmKernel,
  wholeHeapF32,
  withTemporaries,
  type KernelArgs,
  type TensorInfo,
  type WasmBackend,
} from './wasm-backend';

/** Tunables (exported so tests can force each path). */
export const filterGradientConfig = {
  /**
   * The phase-plane method multiplies over padded planes; above this ratio of padded to real
   * output positions (small feature maps) the im2col method wastes less.
   */
  maxPlaneOverhead: 1.5,
  /** Fewer input channels than this: im2col (see `filterGradients`). */
  minPlaneChannels: 16,
  /** Plane positions (GEMM depth) per chunk of the phase-plane method. */
  chunkPositions: 4096,
  /** Largest transposed-im2col block (floats) built at once: bounds the temporary heap use. */
  blockFloats: 1 << 24,
  /**
   * Up to this many im2col floats (taps·inC·positions: the small maps of late stages) the
   * im2col method with a GEMM per part is used even where phase planes would be: it writes the
   * GEMM results in place, where the planes' per-tap results are copied out (measured 1.2–1.9×
   * faster on 4×4–16×16 maps; 1.2× slower on a 32×32 3×3 map, which is over the limit).
   */
  perPartMaxFloats: 1 << 19,
};

interface BackpropFilterAttrs extends ConvAttrs {
  dataFormat?: 'NHWC' | 'NCHW';
  filterShape: [number, number, number, number];
}

/** Name of the kernel behind the runtime's `conv2dFilterGradientParts` op. */
export const FILTER_GRADIENT_PARTS_KERNEL = 'KestrelConv2DBackpropFilterParts';

/** A part as the kernel receives it: input `u{input}` times `scale`, or a constant column. */
export type FilterGradientPartAttr = { input: number; scale: number; width: number } | { constant: number; width: 1 };

/** Attributes of {@link FILTER_GRADIENT_PARTS_KERNEL} (inputs: `x`, `u0`, `u1`, …; NHWC, no dilation). */
export interface FilterGradientPartsAttrs {
  parts: FilterGradientPartAttr[];
  filterSize: [number, number];
  strides: [number, number];
  pad: ConvAttrs['pad'];
}

/** Conv2DBackpropFilter (missing on wasm): the single-part case of `filterGradients`. */
export function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  assertChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  const geo = convGeometry(x.shape, attrs.filterShape, attrs, false);
  return filterGradients(args.backend, x, [{ tensor: dy, scale: 1, width: geo.outChannels }], geo)[0]!;
}

/**
 * KestrelConv2DBackpropFilterParts (see `conv2dFilterGradientParts`): the filter gradients of
 * several upstreams (inputs `u0`, `u1`, … scaled, and constants) from one GEMM per tap.
 */
export function conv2DBackpropFilterParts(args: KernelArgs): TensorInfo[] {
  const { x } = args.inputs as { x: TensorInfo };
  const attrs = args.attrs as unknown as FilterGradientPartsAttrs;
  const [kh, kw] = attrs.filterSize;
  const width = attrs.parts.reduce((sum, part) => sum + part.width, 0);
  const geo = convGeometry(x.shape, [kh, kw, x.shape[3]!, width], attrs, false);
  const parts = attrs.parts.map((part): Part =>
    'constant' in part ? part : { tensor: upstreamInput(args.inputs, part, geo), scale: part.scale, width: part.width });
  return filterGradients(args.backend, x, parts, geo);
}

/** Input `u{input}`, checked: the GEMMs read it as raw heap memory of the conv's output shape. */
function upstreamInput(inputs: tf.NamedTensorInfoMap, part: Extract<FilterGradientPartAttr, { input: number }>, geo: ConvGeometry): TensorInfo {
  const name = `u${part.input}`;
  const tensor = inputs[name];
  const want = [geo.batch, geo.outHeight, geo.outWidth, part.width];
  if (!tensor || tensor.dtype !== 'float32' || tensor.shape.join() !== want.join()) {
    const got = tensor ? `${tensor.dtype} [${tensor.shape}]` : 'nothing';
    throw new Error(`${FILTER_GRADIENT_PARTS_KERNEL}: input ${name} must be float32 [${want}], got ${got}`);
  }
  return tensor;
}

/** One upstream: a tensor (scaled while copied) or a constant column. */
type Part = { tensor: TensorInfo; scale: number; width: number } | { constant: number; width: number };

/** Where a part sits in each row of the GEMM weights (the combined upstream). */
interface Block {
  column: number;
  width: number;
  /** The tensor's first element in the whole-heap view; undefined for a constant. */
  source: number | undefined;
  /** The tensor's scale, or the constant. */
  value: number;
}

interface Upstream {
  blocks: Block[];
  /** Columns the parts fill; zero columns follow up to `width`. */
  used: number;
  /** GEMM width. */
  width: number;
  /** Set when the upstream is one unscaled tensor: its rows are the weights rows as they are. */
  plain: TensorInfo | undefined;
}

/** Where the GEMM results go: each part's dW ([taps·inC, C_i] rows), as whole-heap offsets. */
interface Target {
  upstream: Upstream;
  outputs: number[];
}

function upstreamLayout(backend: WasmBackend, parts: Part[]): Upstream {
  let used = 0;
  const blocks = parts.map((part): Block => {
    const block = 'tensor' in part
      // float32 scale and constant: heap values times them then round exactly like a float32
      // multiply (tf.mul(y, scale)), so the result does not depend on the path.
      ? { column: used, width: part.width, source: elementOffset(backend, part.tensor), value: Math.fround(part.scale) }
      : { column: used, width: part.width, source: undefined, value: Math.fround(part.constant) };
    used += part.width;
    return block;
  });
  const only = parts.length === 1 ? parts[0]! : undefined;
  const plain = only && 'tensor' in only && only.scale === 1 ? only.tensor : undefined;
  // Zero columns round a combined width up to a multiple of 8: an odd width leaves XNNPACK's
  // SIMD tiles a ragged edge (measured up to 1.5× slower). A plain tensor keeps its own width.
  return { blocks, used, width: plain ? used : Math.ceil(used / 8) * 8, plain };
}

/**
 * Filter gradients as GEMMs on XNNPACK's fully-connected operator:
 *   dW_i[tap, ci, c] = Σ_p X_tap[ci, p] · U[p, column_i + c],   p = (n, oh, ow)
 * with U, the parts side by side, in the weights slot, so XNNPACK packs it once and reuses it
 * for every tap; each tap's [inC, width] result is scattered into the parts' dW.
 */
function filterGradients(backend: WasmBackend, x: TensorInfo, parts: Part[], geo: ConvGeometry): TensorInfo[] {
  const plan = planeLayout(geo);
  // The phase-plane GEMMs have only inC rows: with few input channels (an RGB stem) the
  // im2col GEMM, with taps·inC rows, runs far better.
  const usePlanes = geo.inChannels >= filterGradientConfig.minPlaneChannels && plan.overhead <= filterGradientConfig.maxPlaneOverhead;
  const taps = geo.filterHeight * geo.filterWidth;
  const im2colFloats = taps * geo.inChannels * geo.batch * geo.outHeight * geo.outWidth;
  if ((!usePlanes || im2colFloats <= filterGradientConfig.perPartMaxFloats) && im2colTapsPerBlock(geo) === taps) {
    return im2colPerPart(backend, x, parts, geo);
  }
  const outputs = parts.map((part) => allocate(backend, [geo.filterHeight, geo.filterWidth, geo.inChannels, part.width]));
  try {
    const target: Target = { upstream: upstreamLayout(backend, parts), outputs: outputs.map((out) => elementOffset(backend, out)) };
    if (usePlanes) planeFilterGradient(backend, x, target, geo, plan);
    else im2colFilterGradient(backend, x, target, geo);
  } catch (err) {
    release(backend, ...outputs);
    throw err;
  }
  return outputs;
}

/**
 * The phase-plane method: no im2col at all. x is rearranged into zero-padded phase planes
 * [phase][ci][n][row][col]; then X_tap for every tap is that buffer seen from an offset (row
 * shift · plane width + column shift) as a [ci, n·rows·cols] matrix. Columns past a row's end
 * read the next row (or plane), which is harmless because the upstream is zero-padded to the
 * same plane size: each tap is one GEMM over an aliased view, with no copying per tap.
 *
 * Large maps are processed in chunks of about `chunkPositions` plane positions (a band of rows
 * of one image, plus the taps' halo rows), each chunk's taps accumulated into dW: GEMMs whose
 * operands stay in cache ran ~1.3× faster here than ones streaming 30+ MB per tap.
 */
function planeFilterGradient(backend: WasmBackend, x: TensorInfo, target: Target, geo: ConvGeometry, plan: PlaneLayout): void {
  const chunks = chunking(geo, plan);
  const { inChannels: inC } = geo;
  const { width } = target.upstream;
  const taps = geo.filterHeight * geo.filterWidth;
  const phaseCount = plan.rows.phases.length * plan.cols.phases.length;
  const positions = chunks.images * chunks.rows * plan.cols.size; // K of every GEMM
  const blockSize = inC * positions;

  withTemporaries(backend, (keep) => {
    const xT = keep(runWasmKernel('Transpose', { x }, { perm: [3, 0, 1, 2] }, backend));
    // One extra chunk of zeros at the end: the largest tap offset reads that far past the last block.
    const planes = keep(allocate(backend, [phaseCount * blockSize + positions]));
    const dyChunk = keep(allocate(backend, [positions * width]));
    let chunk = 0;
    for (let n0 = 0; n0 < geo.batch; n0 += chunks.images) {
      for (let r0 = 0; r0 < geo.outHeight; r0 += chunks.bandRows, chunk++) {
        const images = Math.min(chunks.images, geo.batch - n0);
        const heap = wholeHeapF32(backend);
        fillPhasePlanes(heap, elementOffset(backend, xT), elementOffset(backend, planes), geo, plan, n0, images, r0, chunks);
        fillDyChunk(heap, target.upstream, elementOffset(backend, dyChunk), geo, plan, n0, images, r0, chunks);
        // A fresh alias per chunk: XNNPACK caches the packed weights by tensor id.
        const dyMatrix = aliasView(backend, dyChunk, 0, [1, positions, width]);
        try {
          for (let t = 0; t < taps; t++) {
            const kh = Math.floor(t / geo.filterWidth);
            const kw = t % geo.filterWidth;
            const block = plan.rows.phases.indexOf(plan.rows.phase[kh]) * plan.cols.phases.length +
              plan.cols.phases.indexOf(plan.cols.phase[kw]);
            const offset = block * blockSize + plan.rows.shift[kh] * plan.cols.size + plan.cols.shift[kw];
            gemmInto(backend, planes, offset, inC, dyMatrix, target, t * inC, chunk > 0);
          }
        } finally {
          releaseAlias(backend, dyMatrix);
        }
      }
    }
  });
}

interface Chunking {
  /** Images per chunk (> 1 only when a whole image is smaller than a chunk). */
  images: number;
  /** Output rows per chunk (a band of one image, or all of them). */
  bandRows: number;
  /** Plane rows per image in a chunk: the band plus the taps' largest row shift. */
  rows: number;
  count: number;
}

function chunking(geo: ConvGeometry, plan: PlaneLayout): Chunking {
  const halo = plan.rows.size - geo.outHeight;
  const imagePositions = plan.rows.size * plan.cols.size;
  const target = filterGradientConfig.chunkPositions;
  if (imagePositions >= target / 2) {
    // Bands of equal height (no sliver of a last band), each about `target` positions.
    const maxBandRows = Math.max(1, Math.round(target / plan.cols.size) - halo);
    const bands = Math.ceil(geo.outHeight / maxBandRows);
    const bandRows = Math.ceil(geo.outHeight / bands);
    return { images: 1, bandRows, rows: bandRows + halo, count: geo.batch * bands };
  }
  const images = Math.min(geo.batch, Math.max(1, Math.floor(target / imagePositions)));
  return { images, bandRows: geo.outHeight, rows: plan.rows.size, count: Math.ceil(geo.batch / images) };
}

/**
 * dW rows [row, row + rows) (+)= A · U, A being `rows` rows of `source` from element `offset`
 * (X_tap, or a block of im2col rows): the GEMM result scattered into the parts.
 */
function gemmInto(
  backend: WasmBackend,
  source: TensorInfo,
  offset: number,
  rows: number,
  u: TensorInfo,
  target: Target,
  row: number,
  add: boolean,
): void {
  const a = aliasView(backend, source, offset, [1, rows, u.shape[1]!]);
  try {
    withTemporaries(backend, (keep) => {
      const product = keep(matMul(backend, a, u));
      scatter(wholeHeapF32(backend), elementOffset(backend, product), rows, target, row, add);
    });
  } finally {
    releaseAlias(backend, a);
  }
}

/**
 * Each part's column block of a [rows, width] GEMM result at `src` into rows [row, row + rows)
 * of its dW: the first chunk writes, later ones add.
 */
function scatter(heap: Float32Array, src: number, rows: number, target: Target, row: number, add: boolean): void {
  const { blocks, width } = target.upstream;
  blocks.forEach((block, i) => {
    copyRows(heap, src + block.column, width, target.outputs[i]! + row * block.width, block.width, rows, add);
  });
}

/** `rows` rows of `width` elements, `stride` apart at `src`, to packed rows at `dst` (+=). */
function copyRows(heap: Float32Array, src: number, stride: number, dst: number, width: number, rows: number, add: boolean): void {
  if (!add && width === stride) {
    heap.copyWithin(dst, src, src + rows * width);
    return;
  }
  for (let r = 0; r < rows; r++, src += stride, dst += width) {
    if (add) for (let k = 0; k < width; k++) heap[dst + k] += heap[src + k];
    else if (width < 16) for (let k = 0; k < width; k++) heap[dst + k] = heap[src + k]; // beats a call per short row
    else heap.copyWithin(dst, src, src + width);
  }
}

/**
 * planes[phase][ci][g][i][j] = x[n0 + g, (r0 + i)·sh + a − top, j·sw + b − left, ci] (0 outside
 * x) for the chunk's images g and plane rows i, from xT = [ci, n, h, w]; `heap` is the whole
 * heap, `src`/`dst` the tensors' element offsets in it. Ends with a zero block (the taps' overrun).
 */
function fillPhasePlanes(
  heap: Float32Array,
  src: number,
  dst: number,
  geo: ConvGeometry,
  plan: PlaneLayout,
  n0: number,
  images: number,
  r0: number,
  chunks: Chunking,
): void {
  const { batch, inHeight: h, inWidth: w, inChannels: inC, strideHeight: sh, strideWidth: sw } = geo;
  const colsOut = plan.cols.size;
  const chunkImage = chunks.rows * colsOut;
  let d = dst;
  for (const a of plan.rows.phases) {
    for (const b of plan.cols.phases) {
      const colShift = b - geo.padLeft;
      // Plane columns j whose input column j·sw + colShift lies inside x.
      const lo = Math.min(colsOut, Math.max(0, Math.ceil(-colShift / sw)));
      const hi = Math.max(lo, Math.min(colsOut, Math.floor((w - 1 - colShift) / sw) + 1));
      for (let c = 0; c < inC; c++) {
        for (let g = 0; g < chunks.images; g++) {
          if (g >= images) {
            heap.fill(0, d, d + chunkImage); // a last, partial group of images
            d += chunkImage;
            continue;
          }
          const planeStart = src + (c * batch + n0 + g) * h * w;
          for (let i = 0; i < chunks.rows; i++, d += colsOut) {
            const iy = (r0 + i) * sh + a - geo.padTop;
            if (iy < 0 || iy >= h) {
              heap.fill(0, d, d + colsOut);
              continue;
            }
            const row = planeStart + iy * w + colShift;
            if (lo > 0) heap.fill(0, d, d + lo);
            if (sw === 1) heap.copyWithin(d + lo, row + lo, row + hi);
            else for (let j = lo; j < hi; j++) heap[d + j] = heap[row + j * sw];
            if (hi < colsOut) heap.fill(0, d + hi, d + colsOut);
          }
        }
      }
    }
  }
  heap.fill(0, d, d + chunks.images * chunkImage); // the trailing zero block
}

/** dyChunk[g][i][j] = the upstream row of position (n0 + g, r0 + i, j) inside the band and dy, else 0. */
function fillDyChunk(
  heap: Float32Array,
  upstream: Upstream,
  dst: number,
  geo: ConvGeometry,
  plan: PlaneLayout,
  n0: number,
  images: number,
  r0: number,
  chunks: Chunking,
): void {
  const { outHeight: oh, outWidth: ow } = geo;
  const rowLength = plan.cols.size * upstream.width;
  const written = ow * upstream.width;
  const bandRows = Math.min(chunks.bandRows, oh - r0);
  let d = dst;
  for (let g = 0; g < chunks.images; g++) {
    for (let i = 0; i < chunks.rows; i++, d += rowLength) {
      if (g >= images || i >= bandRows) {
        heap.fill(0, d, d + rowLength);
        continue;
      }
      writeUpstreamRows(heap, upstream, ((n0 + g) * oh + r0 + i) * ow, ow, d);
      if (written < rowLength) heap.fill(0, d + written, d + rowLength);
    }
  }
}

/** Weights rows of `count` upstream positions from `first` at `dst`: [part0 | part1·scale | constant | zeros]. */
function writeUpstreamRows(heap: Float32Array, upstream: Upstream, first: number, count: number, dst: number): void {
  const { blocks, used, width } = upstream;
  if (upstream.plain) {
    const s = blocks[0]!.source! + first * width;
    heap.copyWithin(dst, s, s + count * width);
    return;
  }
  for (let p = first, d = dst; p < first + count; p++, d += width) {
    for (const { column, width: w, source, value } of blocks) {
      const at = d + column;
      if (source === undefined) {
        heap[at] = value;
        continue;
      }
      const s = source + p * w;
      if (value === 1) heap.copyWithin(at, s, s + w);
      else for (let k = 0; k < w; k++) heap[at + k] = heap[s + k] * value;
    }
    for (let k = used; k < width; k++) heap[d + k] = 0;
  }
}

/**
 * The im2col method, for small feature maps: x is transposed once to [ci, n, h, w]; each tap's
 * shifted/strided window is copied into a block of rows of the transposed im2col matrix, and
 * each block is one GEMM with the upstream.
 */
function im2colFilterGradient(backend: WasmBackend, x: TensorInfo, target: Target, geo: ConvGeometry): void {
  const { inChannels: inC, filterHeight: kh, filterWidth: kw } = geo;
  const positions = geo.batch * geo.outHeight * geo.outWidth;
  const taps = kh * kw;
  const tapsPerBlock = im2colTapsPerBlock(geo);

  withTemporaries(backend, (keep) => {
    const xT = keep(runWasmKernel('Transpose', { x }, { perm: [3, 0, 1, 2] }, backend));
    const dyMatrix = upstreamMatrix(backend, target.upstream, positions, keep);
    for (let t0 = 0; t0 < taps; t0 += tapsPerBlock) {
      const count = Math.min(tapsPerBlock, taps - t0);
      withTemporaries(backend, (keepBlock) => {
        const cols = keepBlock(allocate(backend, [1, count * inC, positions]));
        fillTransposedIm2col(wholeHeapF32(backend), elementOffset(backend, xT), elementOffset(backend, cols), geo, t0, count);
        gemmInto(backend, cols, 0, count * inC, dyMatrix, target, t0 * inC, false);
      });
    }
  });
}

/** Taps per block of the transposed im2col matrix: `blockFloats` bounds its size. */
function im2colTapsPerBlock(geo: ConvGeometry): number {
  const positions = geo.batch * geo.outHeight * geo.outWidth;
  const taps = geo.filterHeight * geo.filterWidth;
  return Math.max(1, Math.min(taps, Math.floor(filterGradientConfig.blockFloats / (geo.inChannels * positions))));
}

/**
 * The im2col method when the whole transposed im2col matrix is one block (small maps): a GEMM
 * per tensor part whose result already is that part's dW, and row sums for a constant part. On
 * a 4×4 map one GEMM for all parts spent ~40% of its time copying the [taps·inC, width] result
 * out into the parts.
 */
function im2colPerPart(backend: WasmBackend, x: TensorInfo, parts: Part[], geo: ConvGeometry): TensorInfo[] {
  const { inChannels: inC, filterHeight: kh, filterWidth: kw } = geo;
  const positions = geo.batch * geo.outHeight * geo.outWidth;
  const rows = kh * kw * inC;
  return withTemporaries(backend, (keep) => {
    const xT = keep(runWasmKernel('Transpose', { x }, { perm: [3, 0, 1, 2] }, backend));
    const cols = keep(allocate(backend, [1, rows, positions]));
    fillTransposedIm2col(wholeHeapF32(backend), elementOffset(backend, xT), elementOffset(backend, cols), geo, 0, kh * kw);
    const outputs: TensorInfo[] = [];
    try {
      for (const part of parts) {
        const dw = 'tensor' in part
          ? matMul(backend, cols, scaledUpstream(backend, part, positions, keep))
          : constantFilterGradient(backend, cols, rows, positions, part.constant);
        outputs.push({ ...dw, shape: [kh, kw, inC, part.width] });
      }
    } catch (err) {
      release(backend, ...outputs);
      throw err;
    }
    return outputs;
  });
}

/** A tensor part as GEMM weights [1, positions, width]: seen in place at scale 1, else a scaled copy. */
function scaledUpstream(
  backend: WasmBackend,
  part: Extract<Part, { tensor: TensorInfo }>,
  positions: number,
  keep: (t: TensorInfo) => TensorInfo,
): TensorInfo {
  if (part.scale === 1) return reshapedView(part.tensor, [1, positions, part.width]);
  const scaled = keep(allocate(backend, [1, positions, part.width]));
  const heap = wholeHeapF32(backend);
  const src = elementOffset(backend, part.tensor);
  const dst = elementOffset(backend, scaled);
  const scale = Math.fround(part.scale); // rounds like a float32 multiply (see upstreamLayout)
  for (let i = 0, n = positions * part.width; i < n; i++) heap[dst + i] = heap[src + i]! * scale;
  return scaled;
}

/** dW of a constant upstream c: c · (row sums of the transposed im2col matrix), [rows, 1]. */
function constantFilterGradient(backend: WasmBackend, cols: TensorInfo, rows: number, positions: number, constant: number): TensorInfo {
  const out = allocate(backend, [rows, 1]);
  const heap = wholeHeapF32(backend);
  const c = Math.fround(constant);
  let src = elementOffset(backend, cols);
  const dst = elementOffset(backend, out);
  for (let r = 0; r < rows; r++) {
    let sum = 0; // float64: one rounding per row
    for (let p = 0; p < positions; p++) sum += heap[src + p]!;
    heap[dst + r] = sum * c;
    src += positions;
  }
  return out;
}

/** The GEMM weights [1, positions, width]: a plain upstream seen in place, else built. */
function upstreamMatrix(backend: WasmBackend, upstream: Upstream, positions: number, keep: (t: TensorInfo) => TensorInfo): TensorInfo {
  if (upstream.plain) return reshapedView(upstream.plain, [1, positions, upstream.width]);
  const matrix = keep(allocate(backend, [1, positions, upstream.width]));
  writeUpstreamRows(wholeHeapF32(backend), upstream, 0, positions, elementOffset(backend, matrix));
  return matrix;
}

function matMul(backend: WasmBackend, a: TensorInfo, b: TensorInfo): TensorInfo {
  return runWasmKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false } as tf.NamedAttrMap, backend);
}

/**
 * Rows (tap, ci) of the transposed im2col matrix for taps [first, first + count):
 *   cols[(tap, ci), (n, oh, ow)] = xT[ci, n, oh·sh + kh·dh − top, ow·sw + kw·dw − left]  (0 outside),
 * written at element `dst` of the whole-heap view from xT at element `src`.
 */
function fillTransposedIm2col(heap: Float32Array, src: number, dst: number, geo: ConvGeometry, first: number, count: number): void {
  const { batch, inHeight: h, inWidth: w, inChannels: inC, outHeight: oh, outWidth: ow } = geo;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = geo;
  let d = dst;
  for (let tap = first; tap < first + count; tap++) {
    const rowShift = Math.floor(tap / geo.filterWidth) * dh - geo.padTop;
    const colShift = (tap % geo.filterWidth) * dw - geo.padLeft;
    // Output columns whose input column lies inside the image.
    const lo = Math.min(ow, Math.max(0, Math.ceil(-colShift / sw)));
    const hi = Math.max(lo, Math.min(ow, Math.floor((w - 1 - colShift) / sw) + 1));
    for (let plane = 0; plane < inC * batch; plane++) {
      const planeStart = src + plane * h * w;
      for (let y = 0; y < oh; y++, d += ow) {
        const iy = y * sh + rowShift;
        if (iy < 0 || iy >= h) {
          heap.fill(0, d, d + ow);
          continue;
        }
        const row = planeStart + iy * w + colShift;
        if (lo > 0) heap.fill(0, d, d + lo);
        if (sw === 1) heap.copyWithin(d + lo, row + lo, row + hi);
        else for (let x = lo; x < hi; x++) heap[d + x] = heap[row + x * sw];
        if (hi < ow) heap.fill(0, d + hi, d + ow);
      }
    }
  }
}
