import * as tf from '@tensorflow/tfjs-core';
import { CrossIterationBatchNorm } from '../cbn/cross-iteration-bn';
import type { CbnFixture } from './fixture';

/** Largest |a − b| over the largest |b|: a relative error that ignores near-zero entries. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? maxDiff : maxDiff / scale;
}

export type ReplayErrors = Record<string, number>;

/** How the replay runs the conv: `forward` (conv, then `norm.forward(y, producer)`) or `fused` (`norm.convForward`, as ConvNorm does). */
export type ReplayPath = 'forward' | 'fused';

/**
 * Replays a fixture through the library — conv → CBN, loss = Σ out·upstream, plain SGD on
 * filter, gamma, beta — and returns the largest relative error of each recorded quantity
 * over all steps, plus the final parameters, running statistics and eval output.
 */
export function replayCbnFixture(fixture: CbnFixture, path: ReplayPath = 'forward'): ReplayErrors {
  const { kernel, stride, cin, cout } = fixture.conv;
  const errors: ReplayErrors = {};
  const record = (name: string, actual: ArrayLike<number>, expected: ArrayLike<number>) => {
    errors[name] = Math.max(errors[name] ?? 0, relativeError(actual, expected));
  };
  const filter = tf.tidy(() => tf.variable(tf.tensor4d(fixture.init.filter, [kernel, kernel, cin, cout])));
  const norm = new CrossIterationBatchNorm(cout, fixture.config);
  tf.tidy(() => {
    norm.gamma!.assign(tf.tensor1d(fixture.init.gamma));
    norm.beta!.assign(tf.tensor1d(fixture.init.beta));
  });
  const conv = (x: tf.Tensor4D) => tf.conv2d(x, filter, stride, 'same');
  try {
    for (const step of fixture.steps) {
      tf.tidy(() => {
        // A variable so that variableGrads also returns the gradient w.r.t. the input.
        const x = tf.variable(tf.tensor4d(step.x, fixture.input_shape)) as tf.Variable<tf.Rank.R4>;
        const upstream = tf.tensor(step.upstream);
        let output: tf.Tensor | undefined;
        const { value: loss, grads } = tf.variableGrads(() => {
          // Kept: variableGrads frees everything but the loss.
          output = tf.keep(
            path === 'fused'
              ? norm.convForward(x, filter as tf.Variable<tf.Rank.R4>, [stride, stride], 'same')
              : norm.forward(conv(x), { kind: 'conv2d', input: x, filter, strides: [stride, stride], pad: 'same', dilations: [1, 1] }),
          );
          return tf.sum(tf.mul(output, tf.reshape(upstream, output.shape))) as tf.Scalar;
        });
        const stats = norm.lastStatistics()!;
        record('mean', stats.mean.dataSync(), step.mean);
        record('var', stats.variance.dataSync(), step.var);
        record('grad_input', grads[x.name]!.dataSync(), step.grad_input);
        record('output', output!.dataSync(), step.output);
        output!.dispose();
        record('loss', [loss.dataSync()[0]!], [step.loss]);
        record('grad_filter', grads[filter.name]!.dataSync(), step.grad_filter);
        record('grad_gamma', grads[norm.gamma!.name]!.dataSync(), step.grad_gamma);
        record('grad_beta', grads[norm.beta!.name]!.dataSync(), step.grad_beta);
        filter.assign(tf.sub(filter, tf.mul(grads[filter.name]!, fixture.lr)));
        norm.gamma!.assign(tf.sub(norm.gamma!, tf.mul(grads[norm.gamma!.name]!, fixture.lr)));
        norm.beta!.assign(tf.sub(norm.beta!, tf.mul(grads[norm.beta!.name]!, fixture.lr)));
        x.dispose();
      });
    }
    record('final.filter', filter.dataSync(), fixture.final.filter);
    record('final.gamma', norm.gamma!.dataSync(), fixture.final.gamma);
    record('final.beta', norm.beta!.dataSync(), fixture.final.beta);
    record('final.running_mean', norm.buffer('running_mean').dataSync(), fixture.final.running_mean);
    record('final.running_var', norm.buffer('running_var').dataSync(), fixture.final.running_var);
    norm.eval();
    tf.tidy(() => {
      const x = tf.tensor4d(fixture.final.eval_input, [fixture.final.eval_input.length / (fixture.input_shape[1] * fixture.input_shape[2] * cin), fixture.input_shape[1], fixture.input_shape[2], cin]);
      record('final.eval_output', norm.forward(conv(x)).dataSync(), fixture.final.eval_output);
    });
  } finally {
    norm.dispose();
    filter.dispose();
  }
  return errors;
}
