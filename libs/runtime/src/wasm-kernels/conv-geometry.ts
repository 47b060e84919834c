import { backend_util } from '@tensorflow/tfjs-core';
import { pair } from './wasm-backend';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

/** Sizes, strides, dilations and leading pads of one 2-D convolution (NHWC). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  /** Conv: output channels. Depthwise: the channel multiplier. */
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

export interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: RoundingMode;
  dilations?: number | [number, number];
}

/**
 * Geometry of the forward convolution whose gradient is wanted. `dilations` is not part of
 * TF.js's Conv2DBackprop* attributes (its conv gradient rejects dilation); we honour it when
 * present so the kernels also serve dilated convolutions.
 */
export function convGeometry(
  inputShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): ConvGeometry {
  const strides = pair(attrs.strides);
  const dilations = pair(attrs.dilations);
  const info = backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: depthwise ? filterShape[3] : info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * The input gradient of a strided conv, along one axis, split into `stride` phases: input rows
 * `i` with the same `(i + pad) mod stride` receive contributions from a fixed subset of filter
 * taps, and together those form a stride-1 (possibly dilated) conv over dy. Computing each phase
 * as its own dense conv avoids the zero-dilated dy (which wastes stride² of the work).
 */
export interface AxisPhase {
  /** Filter indices of this phase, in the order the (flipped) sub-filter uses them. */
  taps: number[];
  /** Dilation of the sub-filter, in dy rows. */
  dilation: number;
  /** Explicit pads of the sub-conv over dy. */
  padBefore: number;
  padAfter: number;
  /** The sub-conv's output row `u` belongs to phase row `m = u + mStart`. */
  mStart: number;
  /** Rows the sub-conv produces. */
  outCount: number;
  /** Phase rows that exist in the input: input row `i = m * stride + offset` for m in [mMin, mMax]. */
  mMin: number;
  mMax: number;
  offset: number;
}

export function axisPhases(
  inSize: number,
  outSize: number,
  filterSize: number,
  stride: number,
  dilation: number,
  padBefore: number,
): AxisPhase[] {
  const g = gcd(stride, dilation);
  const tapStep = stride / g;
  const subDilation = dilation / g;
  const phases: AxisPhase[] = [];
  for (let p = 0; p < stride; p++) {
    // First tap k with (k * dilation) mod stride == p; the phase's taps follow every tapStep.
    let first = -1;
    for (let k = 0; k < Math.min(filterSize, tapStep); k++) {
      if ((k * dilation) % stride === p) {
        first = k;
        break;
      }
    }
    const offset = (first < 0 ? p : first * dilation) - padBefore;
    const mMin = Math.ceil(-offset / stride);
    const mMax = Math.floor((inSize - 1 - offset) / stride);
    if (mMax < mMin) continue; // no input rows in this phase
    const taps: number[] = [];
    if (first >= 0) for (let k = first; k < filterSize; k += tapStep) taps.unshift(k); // flipped
    const span = (taps.length - 1) * subDilation;
    const before = taps.length ? Math.max(0, span - mMin) : 0;
    const mStart = span - before;
    const after = taps.length ? Math.max(0, mMax - outSize + 1) : 0;
    const outCount = outSize + before + after - span;
    phases.push({ taps, dilation: subDilation, padBefore: before, padAfter: after, mStart, outCount, mMin, mMax, offset });
  }
  return phases;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Where tap (kh, kw) reads x, per axis: input row = oh·s + k·d − pad. Writing k·d = q·s + a,
 * that is row oh + q of the phase plane `a` (the rows a − pad, a − pad + s, …). So each tap's
 * X_tap is a phase plane shifted by q rows and columns.
 */
export interface AxisTaps {
  phase: number[];
  shift: number[];
  /** Plane size along the axis: every tap's window (output size + shift) fits. */
  size: number;
  /** Phases some tap uses. */
  phases: number[];
}

export interface PlaneLayout {
  rows: AxisTaps;
  cols: AxisTaps;
  /** Padded plane positions per real output position (the GEMMs' wasted work). */
  overhead: number;
}

export function axisTaps(filterSize: number, stride: number, dilation: number, outSize: number): AxisTaps {
  const phase: number[] = [];
  const shift: number[] = [];
  for (let k = 0; k < filterSize; k++) {
    phase.push((k * dilation) % stride);
    shift.push(Math.floor((k * dilation) / stride));
  }
  return { phase, shift, size: outSize + Math.max(...shift), phases: [...new Set(phase)].sort((a, b) => a - b) };
}

export function planeLayout(geo: ConvGeometry): PlaneLayout {
  const rows = axisTaps(geo.filterHeight, geo.strideHeight, geo.dilationHeight, geo.outHeight);
  const cols = axisTaps(geo.filterWidth, geo.strideWidth, geo.dilationWidth, geo.outWidth);
  return { rows, cols, overhead: (rows.size * cols.size) / (geo.outHeight * geo.outWidth) };
}
