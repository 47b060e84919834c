import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, planeLayout, type ConvAttrs, type ConvGeometry, type PlaneLayout } from './conv-geometry';
import {
  aliasView,
  allocate,
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

interface DepthwiseBackpropFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/**
 * DepthwiseConv2dNativeBackpropFilter (missing on wasm):
 *   dW[kh, kw, c, q] = Σ_p x_tap[p, c] · dy[p, c·M + q]
 * a per-channel dot product per tap, with no GEMM structure. x is copied once into zero-padded
 * NHWC phase planes (as in the conv filter gradient), so each tap's x_tap is an alias of that
 * buffer; dy is padded to the plane size, and each tap is one wasm Multiply plus one leading-axis
 * Sum (XNNPACK pooling) — ~10× a JS loop over the heap.
 */
export function depthwiseConv2dNativeBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseBackpropFilterAttrs;
  const geo = convGeometry(x.shape, attrs.filterShape, attrs, true);
  return depthwiseFilterGradient(args.backend, x, dy, geo);
}

function depthwiseFilterGradient(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, geo: ConvGeometry): TensorInfo {
  const plan = planeLayout(geo);
  const { inChannels: channels, outChannels: multiplier, batch } = geo;
  const imagePositions = plan.rows.size * plan.cols.size;
  const positions = batch * imagePositions;
  const blockSize = positions * channels;
  const phaseCount = plan.rows.phases.length * plan.cols.phases.length;
  const tapShape = multiplier === 1 ? [positions, channels] : [positions, channels, 1];

  return withTemporaries(backend, (keep) => {
    // One extra image plane at the end: the largest tap offset reads that far past the last block.
    const planes = keep(allocate(backend, [phaseCount * blockSize + imagePositions * channels]));
    fillNhwcPhasePlanes(wholeHeapF32(backend), elementOffset(backend, x), elementOffset(backend, planes), geo, plan);
    const dyPadded = plan.rows.size === geo.outHeight && plan.cols.size === geo.outWidth
      ? dy
      : keep(runWasmKernel('PadV2', { x: dy }, {
        paddings: [[0, 0], [0, plan.rows.size - geo.outHeight], [0, plan.cols.size - geo.outWidth], [0, 0]],
        constantValue: 0,
      } as unknown as tf.NamedAttrMap, backend));
    const dyRows = reshapedView(dyPadded, multiplier === 1 ? [positions, channels] : [positions, channels, multiplier]);

    const dw = allocate(backend, [geo.filterHeight, geo.filterWidth, channels, multiplier]);
    try {
      for (let kh = 0; kh < geo.filterHeight; kh++) {
        for (let kw = 0; kw < geo.filterWidth; kw++) {
          const block = plan.rows.phases.indexOf(plan.rows.phase[kh]) * plan.cols.phases.length +
            plan.cols.phases.indexOf(plan.cols.phase[kw]);
          const offset = block * blockSize + (plan.rows.shift[kh] * plan.cols.size + plan.cols.shift[kw]) * channels;
          const xTap = aliasView(backend, planes, offset, tapShape);
          try {
            withTemporaries(backend, (keepTap) => {
              const products = keepTap(runWasmKernel('Multiply', { a: xTap, b: dyRows }, {}, backend));
              const sums = keepTap(runWasmKernel('Sum', { x: products }, { axis: 0, keepDims: false }, backend));
              const heap = wholeHeapF32(backend);
              const src = elementOffset(backend, sums);
              heap.copyWithin(elementOffset(backend, dw) + (kh * geo.filterWidth + kw) * channels * multiplier, src, src + channels * multiplier);
            });
          } finally {
            releaseAlias(backend, xTap);
          }
        }
      }
    } catch (err) {
      release(backend, dw);
      throw err;
    }
    return dw;
  });
}

/**
 * planes[phase][n][i][j][c] = x[n, i·sh + a − top, j·sw + b − left, c] (0 outside x), then a
 * zero image plane; `heap` is the whole heap, `src`/`dst` element offsets of x and the planes.
 */
function fillNhwcPhasePlanes(heap: Float32Array, src: number, dst: number, geo: ConvGeometry, plan: PlaneLayout): void {
  const { batch, inHeight: h, inWidth: w, inChannels: c, strideHeight: sh, strideWidth: sw } = geo;
  const rows = plan.rows.size;
  const cols = plan.cols.size;
  const rowLength = cols * c;
  let d = dst;
  for (const a of plan.rows.phases) {
    for (const b of plan.cols.phases) {
      const colShift = b - geo.padLeft;
      const lo = Math.min(cols, Math.max(0, Math.ceil(-colShift / sw)));
      const hi = Math.max(lo, Math.min(cols, Math.floor((w - 1 - colShift) / sw) + 1));
      for (let n = 0; n < batch; n++) {
        for (let i = 0; i < rows; i++, d += rowLength) {
          const iy = i * sh + a - geo.padTop;
          if (iy < 0 || iy >= h) {
            heap.fill(0, d, d + rowLength);
            continue;
          }
          const row = src + ((n * h + iy) * w + colShift) * c;
          if (lo > 0) heap.fill(0, d, d + lo * c);
          if (sw === 1) {
            heap.copyWithin(d + lo * c, row + lo * c, row + hi * c);
          } else {
            for (let j = lo; j < hi; j++) heap.copyWithin(d + j * c, row + j * sw * c, row + (j * sw + 1) * c);
          }
          if (hi < cols) heap.fill(0, d + hi * c, d + rowLength);
        }
      }
    }
  }
  heap.fill(0, d, d + rows * cols * c); // the trailing zero plane
}
