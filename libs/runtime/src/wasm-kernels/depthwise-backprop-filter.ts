import { convGeometry, type ConvAttrs, type ConvGeometry } from './conv-geometry';
import { allocate, heapF32, type KernelArgs, type TensorInfo, type WasmBackend } from './wasm-backend';

interface DepthwiseBackpropFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/**
 * DepthwiseConv2dNativeBackpropFilter (missing on wasm). Per tap it is a per-channel dot product
 * over all output positions, with no GEMM structure XNNPACK could use, so it is a tight loop over
 * the heap with the channel (and multiplier) innermost and float64 accumulators.
 */
export function depthwiseConv2dNativeBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseBackpropFilterAttrs;
  const geo = convGeometry(x.shape, attrs.filterShape, attrs, true);
  return depthwiseFilterGradient(args.backend, x, dy, geo);
}

export function depthwiseFilterGradient(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, geo: ConvGeometry): TensorInfo {
  const { batch, inHeight: h, inWidth: w, inChannels: inC, outHeight: oh, outWidth: ow, outChannels: mult } = geo;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = geo;
  const outC = inC * mult;
  const dwOut = allocate(backend, [geo.filterHeight, geo.filterWidth, inC, mult]);
  const xs = heapF32(backend, x);
  const dys = heapF32(backend, dy);
  const result = heapF32(backend, dwOut);
  const acc = new Float64Array(outC);
  for (let ky = 0; ky < geo.filterHeight; ky++) {
    for (let kx = 0; kx < geo.filterWidth; kx++) {
      acc.fill(0);
      const rowShift = ky * dh - geo.padTop;
      const colShift = kx * dw - geo.padLeft;
      for (let n = 0; n < batch; n++) {
        for (let y = 0; y < oh; y++) {
          const iy = y * sh + rowShift;
          if (iy < 0 || iy >= h) continue;
          for (let xo = 0; xo < ow; xo++) {
            const ix = xo * sw + colShift;
            if (ix < 0 || ix >= w) continue;
            const xi = ((n * h + iy) * w + ix) * inC;
            const di = ((n * oh + y) * ow + xo) * outC;
            if (mult === 1) {
              for (let c = 0; c < inC; c++) acc[c] += xs[xi + c] * dys[di + c];
            } else {
              for (let c = 0, k = 0; c < inC; c++) {
                const xv = xs[xi + c];
                for (let q = 0; q < mult; q++, k++) acc[k] += xv * dys[di + k];
              }
            }
          }
        }
      }
      result.set(acc, (ky * geo.filterWidth + kx) * outC);
    }
  }
  return dwOut;
}
