/**
 * Weight initialisers with PyTorch's formulas (torch.nn.init), for TF.js weight layouts.
 *
 * Layout difference: PyTorch stores conv filters as [out, in, kh, kw] and Linear weights as
 * [out, in]; TF.js uses HWIO [kh, kw, in, out] filters and [in, out] dense kernels. Fans are read
 * from the TF.js layout (in = shape[rank-2], out = shape[rank-1], receptive field = product of the
 * leading dims), so the numbers equal PyTorch's for the same layer.
 *
 * Every initialiser is a pure function of (shape, rng, options) that returns a new float32 tensor
 * owned by the caller. Values are drawn in JS from `rng` in row-major order of the TF.js shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng';

export type Shape = readonly number[];

export interface Fans {
  fanIn: number;
  fanOut: number;
}

export type FanMode = 'fan_in' | 'fan_out';

export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

function checkShape(shape: Shape, what: string): void {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new RangeError(`${what}: shape must be non-negative integers, got [${shape.join(', ')}]`);
  }
}

function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Fans of a weight in TF.js layout: [in, out] dense or [...spatial, in, out] conv (HWIO).
 * fanIn = in × receptive field, fanOut = out × receptive field (PyTorch's
 * `_calculate_fan_in_and_fan_out`). Needs rank ≥ 2, as PyTorch does.
 */
export function computeFans(shape: Shape): Fans {
  checkShape(shape, 'computeFans');
  if (shape.length < 2) {
    throw new RangeError(
      `computeFans: fans need a weight of rank >= 2 ([in, out] or [kh, kw, in, out]), got [${shape.join(', ')}]`,
    );
  }
  const inputs = shape[shape.length - 2] as number;
  const outputs = shape[shape.length - 1] as number;
  const receptiveField = sizeOf(shape.slice(0, -2));
  return { fanIn: inputs * receptiveField, fanOut: outputs * receptiveField };
}

/**
 * Fans of a TF.js depthwise filter [kh, kw, in, multiplier], equal to PyTorch's for the same
 * grouped conv (weight [in × multiplier, 1, kh, kw]): fanIn = kh·kw, fanOut = in·multiplier·kh·kw.
 * Pass the result as `fans` to the kaiming/xavier initialisers.
 */
export function depthwiseFans(shape: Shape): Fans {
  checkShape(shape, 'depthwiseFans');
  if (shape.length !== 4) throw new RangeError(`depthwiseFans: expected [kh, kw, in, multiplier], got [${shape.join(', ')}]`);
  const [kh, kw, inputs, multiplier] = shape as [number, number, number, number];
  return { fanIn: kh * kw, fanOut: inputs * multiplier * kh * kw };
}

/**
 * PyTorch's `calculate_gain`. `param` is the leaky_relu negative slope (default 0.01, as PyTorch).
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unknown nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

export interface KaimingOptions {
  /** 'fan_in' (default) preserves forward variance, 'fan_out' backward variance. */
  mode?: FanMode;
  /** Default 'leaky_relu' with `a` = 0, i.e. the ReLU gain √2 (PyTorch's defaults). */
  nonlinearity?: Nonlinearity;
  /** Negative slope for leaky_relu. Default 0. */
  a?: number;
  /** Override the fans computed from the shape (e.g. {@link depthwiseFans}). */
  fans?: Fans;
}

export interface XavierOptions {
  /** Default 1. */
  gain?: number;
  /** Override the fans computed from the shape. */
  fans?: Fans;
}

export interface NormalOptions {
  /** Default 0. */
  mean?: number;
  /** Default 1. */
  std?: number;
}

export interface UniformOptions {
  /** Default 0. */
  low?: number;
  /** Default 1. */
  high?: number;
}

function kaimingFan(shape: Shape, options: KaimingOptions): { fan: number; gain: number } {
  const fans = options.fans ?? computeFans(shape);
  const mode = options.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new Error(`kaiming: mode must be 'fan_in' or 'fan_out', got ${JSON.stringify(mode)}`);
  const fan = mode === 'fan_in' ? fans.fanIn : fans.fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return { fan, gain };
}

function uniformTensor(shape: Shape, rng: Rng, low: number, high: number): tf.Tensor {
  checkShape(shape, 'uniform');
  return tf.tensor(rng.fillUniform(new Float32Array(sizeOf(shape)), low, high), [...shape], 'float32');
}

function normalTensor(shape: Shape, rng: Rng, mean: number, std: number): tf.Tensor {
  checkShape(shape, 'normal');
  return tf.tensor(rng.fillNormal(new Float32Array(sizeOf(shape)), mean, std), [...shape], 'float32');
}

/** N(0, std²) with std = gain / √fan (PyTorch `kaiming_normal_`). */
export function kaimingNormal(shape: Shape, rng: Rng, options: KaimingOptions = {}): tf.Tensor {
  if (sizeOf(shape) === 0) return tf.zeros([...shape]);
  const { fan, gain } = kaimingFan(shape, options);
  return normalTensor(shape, rng, 0, gain / Math.sqrt(fan));
}

/** U(-bound, bound) with bound = gain · √(3 / fan) (PyTorch `kaiming_uniform_`). */
export function kaimingUniform(shape: Shape, rng: Rng, options: KaimingOptions = {}): tf.Tensor {
  if (sizeOf(shape) === 0) return tf.zeros([...shape]);
  const { fan, gain } = kaimingFan(shape, options);
  const bound = gain * Math.sqrt(3 / fan);
  return uniformTensor(shape, rng, -bound, bound);
}

/** U(-bound, bound) with bound = gain · √(6 / (fanIn + fanOut)) (PyTorch `xavier_uniform_`). */
export function xavierUniform(shape: Shape, rng: Rng, options: XavierOptions = {}): tf.Tensor {
  if (sizeOf(shape) === 0) return tf.zeros([...shape]);
  const { fanIn, fanOut } = options.fans ?? computeFans(shape);
  const bound = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniformTensor(shape, rng, -bound, bound);
}

/** N(0, std²) with std = gain · √(2 / (fanIn + fanOut)) (PyTorch `xavier_normal_`). */
export function xavierNormal(shape: Shape, rng: Rng, options: XavierOptions = {}): tf.Tensor {
  if (sizeOf(shape) === 0) return tf.zeros([...shape]);
  const { fanIn, fanOut } = options.fans ?? computeFans(shape);
  return normalTensor(shape, rng, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)));
}

/** N(mean, std²); detectron2 heads use e.g. `normal(shape, rng, { std: 0.01 })`. */
export function normal(shape: Shape, rng: Rng, options: NormalOptions = {}): tf.Tensor {
  return normalTensor(shape, rng, options.mean ?? 0, options.std ?? 1);
}

/** U(low, high). */
export function uniform(shape: Shape, rng: Rng, options: UniformOptions = {}): tf.Tensor {
  return uniformTensor(shape, rng, options.low ?? 0, options.high ?? 1);
}

/** Every element equal to `value`. */
export function constant(shape: Shape, value: number, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  checkShape(shape, 'constant');
  return tf.fill([...shape], value, dtype);
}

export function zeros(shape: Shape, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  return constant(shape, 0, dtype);
}

export function ones(shape: Shape, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  return constant(shape, 1, dtype);
}

/**
 * detectron2's `c2_msra_fill`: kaiming normal, fan_out, ReLU gain (Caffe2 MSRAFill). Biases zero.
 */
export function c2MsraFill(shape: Shape, rng: Rng): tf.Tensor {
  return kaimingNormal(shape, rng, { mode: 'fan_out', nonlinearity: 'relu' });
}

/**
 * detectron2's `c2_xavier_fill`: kaiming uniform with a = 1, i.e. U(±√(3 / fanIn)) (Caffe2 XavierFill).
 */
export function c2XavierFill(shape: Shape, rng: Rng): tf.Tensor {
  return kaimingUniform(shape, rng, { a: 1 });
}
