import * as tf from '@tensorflow/tfjs-core';

/**
 * The K per-model slices of a stacked tensor. tf.unstack's gradient breaks when it has a single
 * output (tfjs 4.22 passes one dy, not a list), so K = 1 takes a reshape instead.
 */
export function perModel(t: tf.Tensor): tf.Tensor[] {
  return t.shape[0] === 1 ? [tf.reshape(t, t.shape.slice(1))] : tf.unstack(t);
}
