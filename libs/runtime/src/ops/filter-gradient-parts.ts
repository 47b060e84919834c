import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import {
  FILTER_GRADIENT_PARTS_KERNEL as KERNEL,
  type FilterGradientPartAttr,
  type FilterGradientPartsAttrs,
} from '../wasm-kernels/conv2d-backprop-filter';

/** One upstream gradient: `scale`·tensor ([N, OH, OW, C]) or a constant ([N, OH, OW, 1]). */
export type UpstreamPart = { tensor: tf.Tensor; scale?: number } | { constant: number };

/** The forward convolution (NHWC, no dilation) whose filter gradients are wanted. */
export interface FilterGradientConv {
  filterSize: [number, number];
  strides: [number, number];
  /** As tf.conv2d's: 'valid', 'same', a number, or explicit NHWC [[0, 0], [top, bottom], [left, right], [0, 0]]. */
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
}

/**
 * For each part i, Conv2DBackpropFilter(x, upstream_i) with upstream_i = scale·tensor
 * ([N, OH, OW, C_i]) or the constant filled as [N, OH, OW, 1]; result i has shape
 * [kh, kw, cin, C_i]. Not differentiable (for use inside gradient functions / untaped).
 *
 * Where the backend has the KestrelConv2DBackpropFilterParts kernel (wasm), one call computes
 * every part: one GEMM per tap over the parts side by side, no concatenated upstream, no split.
 * Elsewhere: one Conv2DBackpropFilter over the concatenated parts, split afterwards.
 */
export function conv2dFilterGradientParts(x: tf.Tensor4D, parts: UpstreamPart[], conv: FilterGradientConv): tf.Tensor4D[] {
  const outShape = validate(x, parts, conv);
  if (tf.getKernel(KERNEL, tf.getBackend())) return viaKernel(x, parts, conv);
  return composite(x, parts, conv, outShape);
}

function viaKernel(x: tf.Tensor4D, parts: UpstreamPart[], conv: FilterGradientConv): tf.Tensor4D[] {
  const inputs: tf.NamedTensorMap = { x };
  let inputCount = 0;
  const attrParts = parts.map((part): FilterGradientPartAttr => {
    if ('constant' in part) return { constant: part.constant, width: 1 };
    const input = inputCount++;
    inputs[`u${input}`] = part.tensor;
    return { input, scale: part.scale ?? 1, width: part.tensor.shape[3]! };
  });
  const attrs: FilterGradientPartsAttrs = { parts: attrParts, filterSize: conv.filterSize, strides: conv.strides, pad: conv.pad };
  // NamedAttrMap has no arrays of objects in its type; the engine passes attributes through as they are.
  return tf.engine().runKernel(KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D[];
}

function composite(x: tf.Tensor4D, parts: UpstreamPart[], conv: FilterGradientConv, outShape: [number, number, number]): tf.Tensor4D[] {
  return tf.tidy(() => {
    const pieces = parts.map((part) => {
      if ('constant' in part) return tf.fill([...outShape, 1], part.constant);
      return part.scale === undefined || part.scale === 1 ? part.tensor : tf.mul(part.tensor, part.scale);
    });
    const widths = pieces.map((piece) => piece.shape[3]!);
    const dy = pieces.length === 1 ? pieces[0]! : tf.concat(pieces, 3);
    const filterShape = [...conv.filterSize, x.shape[3], dy.shape[3]!];
    const grad = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
      strides: conv.strides,
      pad: conv.pad,
      dataFormat: 'NHWC',
      filterShape,
    }) as tf.Tensor4D;
    return pieces.length === 1 ? [grad] : (tf.split(grad, widths, 3) as tf.Tensor4D[]);
  });
}

/** Checks the arguments; returns [N, OH, OW], the conv's output shape every part must have. */
function validate(x: tf.Tensor4D, parts: UpstreamPart[], conv: FilterGradientConv): [number, number, number] {
  const fail = (message: string): never => {
    throw new Error(`conv2dFilterGradientParts: ${message}`);
  };
  if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.dtype !== 'float32') {
    fail(`x must be a float32 [N, H, W, Cin] tensor, got ${describe(x)}`);
  }
  if (!isPositiveIntegerPair(conv.filterSize)) fail(`conv.filterSize must be two positive integers, got ${JSON.stringify(conv.filterSize)}`);
  if (!isPositiveIntegerPair(conv.strides)) fail(`conv.strides must be two positive integers, got ${JSON.stringify(conv.strides)}`);
  if (!isPadding(conv.pad)) {
    fail(`conv.pad must be 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]], got ${JSON.stringify(conv.pad)}`);
  }
  const [kh, kw] = conv.filterSize;
  const info = backend_util.computeConv2DInfo(x.shape, [kh, kw, x.shape[3], 1], conv.strides, 1, conv.pad);
  const outShape: [number, number, number] = [info.batchSize, info.outHeight, info.outWidth];
  if (!(info.outHeight > 0 && info.outWidth > 0)) {
    fail(`a ${kh}x${kw} filter with pad ${JSON.stringify(conv.pad)} leaves no output positions on x [${x.shape}]`);
  }
  if (!Array.isArray(parts) || parts.length === 0) fail('parts must hold at least one part');
  parts.forEach((part, i) => validatePart(part, `parts[${i}]`, outShape, fail));
  return outShape;
}

function validatePart(part: UpstreamPart, name: string, outShape: [number, number, number], fail: (message: string) => never): void {
  if (part != null && 'constant' in part) {
    if (!Number.isFinite(part.constant)) fail(`${name}.constant must be a finite number, got ${part.constant}`);
    return;
  }
  if (part == null || !(part.tensor instanceof tf.Tensor)) fail(`${name} must be { tensor, scale? } or { constant }`);
  const { tensor, scale } = part;
  const [n, oh, ow] = outShape;
  const fits = tensor.rank === 4 && tensor.shape[0] === n && tensor.shape[1] === oh && tensor.shape[2] === ow;
  if (!fits || tensor.dtype !== 'float32') {
    fail(`${name}.tensor must be a float32 [${n}, ${oh}, ${ow}, C] tensor (the conv's output shape), got ${describe(tensor)}`);
  }
  if (scale !== undefined && !Number.isFinite(scale)) fail(`${name}.scale must be a finite number, got ${scale}`);
}

function isPadding(pad: unknown): boolean {
  if (pad === 'valid' || pad === 'same') return true;
  if (typeof pad === 'number') return Number.isInteger(pad) && pad >= 0;
  const pairs = Array.isArray(pad) && pad.length === 4 && pad.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
  return pairs && [...(pad as number[][])[0]!, ...(pad as number[][])[3]!].every((v) => v === 0);
}

function isPositiveIntegerPair(value: unknown): boolean {
  return Array.isArray(value) && value.length === 2 && value.every((v) => Number.isInteger(v) && v > 0);
}

function describe(value: unknown): string {
  return value instanceof tf.Tensor ? `${value.dtype} [${value.shape}]` : String(value);
}
