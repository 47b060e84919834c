import * as tf from '@tensorflow/tfjs-core';

/**
 * How an elementwise loss is reduced: 'none' keeps its shape, 'sum' adds everything, 'mean'
 * divides the sum by the element count. A mean over zero elements is 0 (still connected to the
 * inputs, so gradients are zeros), as detectron2's losses do for empty batches, not NaN.
 */
export type Reduction = 'none' | 'sum' | 'mean';

export interface ReductionOptions {
  /** Default 'mean' (PyTorch's default for F.cross_entropy, F.binary_cross_entropy_with_logits, F.l1_loss). */
  reduction?: Reduction;
}

/**
 * Softmax cross-entropy of [N, K] logits against integer class labels [N] (F.cross_entropy):
 * −log softmax(logits)[label]. The RoI box classifier uses it with reduction 'mean'.
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D | ArrayLike<number>,
  options: ReductionOptions = {},
): tf.Tensor {
  const [n, k] = logits.shape;
  return tf.tidy(() => {
    const target = labels instanceof tf.Tensor ? tf.cast(labels, 'int32') : tf.tensor1d(Array.from(labels), 'int32');
    if (target.size !== n) throw new Error(`softmaxCrossEntropy: ${n} rows of logits but ${target.size} labels`);
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits, 1), tf.oneHot(target as tf.Tensor1D, k)), 1);
    return reduce(tf.neg(picked), options.reduction ?? 'mean');
  });
}

/**
 * Binary cross-entropy on logits (F.binary_cross_entropy_with_logits), elementwise over any
 * shape: softplus(x) − x·z. Stable for large |x| (softplus never overflows), and its gradient is
 * exactly sigmoid(x) − z, including at x = 0 where the usual max(x, 0) form has a kink.
 */
export function sigmoidBinaryCrossEntropy(logits: tf.Tensor, targets: tf.Tensor, options: ReductionOptions = {}): tf.Tensor {
  checkSameShape('sigmoidBinaryCrossEntropy', logits, targets);
  return tf.tidy(() => reduce(tf.sub(tf.softplus(logits), tf.mul(logits, targets)), options.reduction ?? 'mean'));
}

/** |input − target| elementwise, reduced. The gradient at input = target is 0, as in PyTorch. */
export function l1Loss(input: tf.Tensor, target: tf.Tensor, options: ReductionOptions = {}): tf.Tensor {
  checkSameShape('l1Loss', input, target);
  return tf.tidy(() => reduce(absWithSignGradient(tf.sub(input, target)), options.reduction ?? 'mean'));
}

/**
 * |x| whose gradient is sign(x): TF.js's own Abs gradient is step(x, −1), i.e. −1 at x = 0,
 * which would push an exact prediction away from its target.
 */
const absWithSignGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]); // saved by the tape: x itself may be disposed by then
  return { value: tf.abs(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sign(saved[0]!)) };
});

export interface SmoothL1Options extends ReductionOptions {
  /**
   * Where the loss turns from quadratic to linear. β < 1e-5 gives exactly L1 (fvcore's rule;
   * detectron2's default β = 0). torchvision's RPN uses 1/9.
   */
  beta: number;
}

/**
 * fvcore's smooth-L1: 0.5·n²/β for n = |input − target| < β, n − 0.5·β otherwise. Written as
 * 0.5·m²/β + (n − m) with m = min(n, β), which is the same function without a comparison on
 * the tape (TF.js has no gradient for comparisons).
 */
export function smoothL1Loss(input: tf.Tensor, target: tf.Tensor, options: SmoothL1Options): tf.Tensor {
  const { beta } = options;
  if (!(beta >= 0)) throw new Error(`smoothL1Loss: beta must be >= 0, got ${beta}`);
  if (beta < 1e-5) return l1Loss(input, target, options);
  checkSameShape('smoothL1Loss', input, target);
  return tf.tidy(() => {
    const n = absWithSignGradient(tf.sub(input, target));
    const m = tf.minimum(n, beta);
    const loss = tf.add(tf.div(tf.mul(tf.square(m), 0.5), beta), tf.sub(n, m));
    return reduce(loss, options.reduction ?? 'mean');
  });
}

function reduce(loss: tf.Tensor, reduction: Reduction): tf.Tensor {
  switch (reduction) {
    case 'none':
      return loss;
    case 'sum':
      return tf.sum(loss);
    case 'mean':
      return loss.size === 0 ? tf.mul(tf.sum(loss), 0) : tf.div(tf.sum(loss), loss.size);
    default:
      throw new Error(`unknown reduction "${String(reduction)}"; expected none, sum or mean`);
  }
}

function checkSameShape(name: string, a: tf.Tensor, b: tf.Tensor): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    throw new Error(`${name}: shapes differ, [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  }
}
