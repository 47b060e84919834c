import { axisPhases, type AxisPhase, type ConvGeometry } from './conv-geometry';
import {
  allocate,
  elementOffset,
  heapF32,
  release,
  reshapedView,
  runWasmKernel,
  wholeHeapF32,
  withTemporaries,
  type TensorInfo,
  type WasmBackend,
} from './wasm-backend';

/**
 * dx of a convolution (regular or depthwise) as forward XNNPACK convolutions over dy.
 *
 * For stride 1 this is one conv of dy with the filter flipped and its in/out channels swapped.
 * For stride s the input rows/columns fall into s×s phases (see `axisPhases`); each phase is a
 * dense stride-1 conv of dy with the taps that reach it, and the phase outputs are interleaved
 * into dx. Total work equals the forward conv's, with no zero-dilated dy.
 */
export function convInputGradient(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  geo: ConvGeometry,
  depthwise: boolean,
): TensorInfo {
  const rows = axisPhases(geo.inHeight, geo.outHeight, geo.filterHeight, geo.strideHeight, geo.dilationHeight, geo.padTop);
  const cols = axisPhases(geo.inWidth, geo.outWidth, geo.filterWidth, geo.strideWidth, geo.dilationWidth, geo.padLeft);
  const dxShape = [geo.batch, geo.inHeight, geo.inWidth, geo.inChannels];
  const multiplier = depthwise ? geo.outChannels : 1;

  const only = rows.length === 1 && cols.length === 1 ? [rows[0], cols[0]] as const : undefined;
  if (only && multiplier === 1 && coversExactly(only[0], geo.inHeight) && coversExactly(only[1], geo.inWidth)) {
    // Stride 1 (or a single phase that fills dx): the sub-conv output is dx itself.
    const out = phaseConv(backend, dy, filter, geo, only[0], only[1], depthwise);
    return { ...out, shape: dxShape };
  }

  const dx = allocate(backend, dxShape);
  const everyPixelWritten =
    rows.every((r) => r.taps.length > 0) && cols.every((c) => c.taps.length > 0) &&
    phasesCover(rows, geo.inHeight) && phasesCover(cols, geo.inWidth);
  if (!everyPixelWritten) heapF32(backend, dx).fill(0);
  try {
    for (const row of rows) {
      if (row.taps.length === 0) continue;
      for (const col of cols) {
        if (col.taps.length === 0) continue;
        withTemporaries(backend, (keep) => {
          const out = keep(phaseConv(backend, dy, filter, geo, row, col, depthwise));
          scatterPhase(backend, out, dx, geo, row, col, multiplier);
        });
      }
    }
  } catch (err) {
    release(backend, dx);
    throw err;
  }
  return dx;
}

/** One phase: a stride-1 conv of dy with the phase's flipped, channel-swapped taps. */
function phaseConv(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  geo: ConvGeometry,
  row: AxisPhase,
  col: AxisPhase,
  depthwise: boolean,
): TensorInfo {
  return withTemporaries(backend, (keep) => {
    const subFilter = keep(
      depthwise ? depthwiseSubFilter(backend, filter, geo, row.taps, col.taps) : convSubFilter(backend, filter, geo, row.taps, col.taps),
    );
    const attrs = {
      strides: [1, 1],
      pad: [[0, 0], [row.padBefore, row.padAfter], [col.padBefore, col.padAfter], [0, 0]],
      dilations: [row.dilation, col.dilation],
      dataFormat: 'NHWC',
    };
    return runWasmKernel(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x: dy, filter: subFilter }, attrs, backend);
  });
}

/**
 * [taps_h, taps_w, outC, inC] from the [KH, KW, inC, outC] filter: in/out swapped with the wasm
 * Transpose kernel, then the phase's taps copied out in flipped order.
 */
function convSubFilter(backend: WasmBackend, filter: TensorInfo, geo: ConvGeometry, rowTaps: number[], colTaps: number[]): TensorInfo {
  const inC = geo.inChannels;
  const outC = geo.outChannels;
  const block = inC * outC;
  return withTemporaries(backend, (keep) => {
    const swapped = keep(runWasmKernel('Transpose', { x: reshapedView(filter, [geo.filterHeight * geo.filterWidth, inC, outC]) }, { perm: [0, 2, 1] }, backend));
    const sub = allocate(backend, [rowTaps.length, colTaps.length, outC, inC]);
    const heap = wholeHeapF32(backend);
    const src = elementOffset(backend, swapped);
    let d = elementOffset(backend, sub);
    for (const kh of rowTaps) {
      for (const kw of colTaps) {
        const s = src + (kh * geo.filterWidth + kw) * block;
        heap.copyWithin(d, s, s + block);
        d += block;
      }
    }
    return sub;
  });
}

/** [taps_h, taps_w, C·M, 1] from the [KH, KW, C, M] depthwise filter, flipped. */
function depthwiseSubFilter(backend: WasmBackend, filter: TensorInfo, geo: ConvGeometry, rowTaps: number[], colTaps: number[]): TensorInfo {
  const channels = geo.inChannels * geo.outChannels;
  const sub = allocate(backend, [rowTaps.length, colTaps.length, channels, 1]);
  const heap = wholeHeapF32(backend);
  const src = elementOffset(backend, filter);
  let d = elementOffset(backend, sub);
  for (const kh of rowTaps) {
    for (const kw of colTaps) {
      const s = src + (kh * geo.filterWidth + kw) * channels;
      heap.copyWithin(d, s, s + channels);
      d += channels;
    }
  }
  return sub;
}

/** Copies one phase's conv output into its rows/columns of dx (summing the channel multiplier). */
function scatterPhase(
  backend: WasmBackend,
  out: TensorInfo,
  dx: TensorInfo,
  geo: ConvGeometry,
  row: AxisPhase,
  col: AxisPhase,
  multiplier: number,
): void {
  const [, srcH, srcW, srcC] = out.shape as [number, number, number, number];
  const inC = geo.inChannels;
  const sh = geo.strideHeight;
  const sw = geo.strideWidth;
  const count = col.mMax - col.mMin + 1;
  const heap = wholeHeapF32(backend);
  const srcBase = elementOffset(backend, out);
  const dxBase = elementOffset(backend, dx);
  for (let n = 0; n < geo.batch; n++) {
    for (let m = row.mMin; m <= row.mMax; m++) {
      const ih = m * sh + row.offset;
      let s = srcBase + ((n * srcH + (m - row.mStart)) * srcW + (col.mMin - col.mStart)) * srcC;
      let d = dxBase + ((n * geo.inHeight + ih) * geo.inWidth + col.mMin * sw + col.offset) * inC;
      if (multiplier === 1 && sw === 1) {
        heap.copyWithin(d, s, s + count * inC); // the phase covers whole runs of the row
        continue;
      }
      for (let j = 0; j < count; j++, d += sw * inC, s += srcC) {
        if (multiplier === 1) {
          heap.copyWithin(d, s, s + inC);
        } else {
          for (let c = 0, k = s; c < inC; c++) {
            let acc = 0;
            for (let q = 0; q < multiplier; q++) acc += heap[k++];
            heap[d + c] = acc;
          }
        }
      }
    }
  }
}

/** True when the phase's sub-conv output rows are exactly the input's rows 0..size-1. */
function coversExactly(phase: AxisPhase, size: number): boolean {
  return phase.taps.length > 0 && phase.mStart === phase.mMin && phase.mMax - phase.mMin + 1 === size && phase.outCount === size;
}

function phasesCover(phases: AxisPhase[], size: number): boolean {
  return phases.reduce((n, p) => n + (p.mMax - p.mMin + 1), 0) === size;
}
