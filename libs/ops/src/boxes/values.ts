import * as tf from '@tensorflow/tfjs-core';

/**
 * Boxes as (x1, y1, x2, y2) rows: an [N, 4] tensor, a flat typed array of 4N values, or nested
 * arrays. The non-differentiable ops (matching, NMS, pooling geometry, mask pasting) read them
 * into plain arrays, so any of these forms works there.
 */
export type BoxesLike = tf.Tensor | Float32Array | Float64Array | readonly (readonly number[])[];

/** A vector of numbers: a 1-D tensor or any array-like. */
export type NumbersLike = tf.Tensor | ArrayLike<number>;

/** The boxes as a flat Float32Array of 4N values (a tensor is read synchronously). */
export function boxValues(boxes: BoxesLike): Float32Array {
  if (boxes instanceof tf.Tensor) {
    if (boxes.size > 0 && (boxes.rank !== 2 || boxes.shape[1] !== 4)) {
      throw new Error(`expected boxes of shape [N, 4], got [${boxes.shape.join(', ')}]`);
    }
    return toFloat32(boxes.dataSync() as ArrayLike<number>);
  }
  if (boxes instanceof Float32Array || boxes instanceof Float64Array) {
    if (boxes.length % 4 !== 0) throw new Error(`expected 4N box values, got ${boxes.length}`);
    return toFloat32(boxes);
  }
  const out = new Float32Array(boxes.length * 4);
  boxes.forEach((box, i) => {
    if (box.length !== 4) throw new Error(`box ${i} has ${box.length} values, expected 4`);
    out.set(box, i * 4);
  });
  return out;
}

/** The values as a Float32Array (a Float32Array input is returned as is: treat it as read-only). */
export function numberValues(values: NumbersLike): Float32Array {
  if (values instanceof tf.Tensor) return toFloat32(values.dataSync() as ArrayLike<number>);
  return toFloat32(values);
}

/** The values as integers in an Int32Array (an Int32Array input is returned as is). */
export function integerValues(values: NumbersLike): Int32Array {
  const source = values instanceof tf.Tensor ? (values.dataSync() as ArrayLike<number>) : values;
  if (source instanceof Int32Array) return source;
  const out = new Int32Array(source.length);
  for (let i = 0; i < source.length; i++) {
    const v = source[i] as number;
    if (!Number.isInteger(v)) throw new Error(`expected integers, got ${v} at ${i}`);
    out[i] = v;
  }
  return out;
}

function toFloat32(values: ArrayLike<number>): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}
