/** Logits of K models on many points, computed in chunks with the data kept on the backend. */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelDef, ModelState, Params } from '../models/types';

/**
 * Returns logits laid out [K, n, C] (model-major), for points `x` ([n, ...inputShape]).
 * Every model sees the same points, so the chunk is broadcast over the model axis.
 */
export async function predictLogits(model: ModelDef, params: Params, state: ModelState, x: tf.Tensor, chunk = 1000): Promise<Float32Array> {
  const K = Object.values(params)[0].shape[0];
  const n = x.shape[0];
  const C = model.numClasses;
  const out = new Float32Array(K * n * C);
  for (let start = 0; start < n; start += chunk) {
    const b = Math.min(chunk, n - start);
    const logits = tf.tidy(() => {
      const xb = tf.slice(x, start, b);
      const tiled = tf.tile(tf.expandDims(xb, 0), [K, ...xb.shape.map(() => 1)]);
      return model.apply(params, state, tiled, false).logits;
    });
    const v = (await logits.data()) as Float32Array;
    logits.dispose();
    for (let k = 0; k < K; k++) out.set(v.subarray(k * b * C, (k + 1) * b * C), (k * n + start) * C);
  }
  return out;
}

/** Puts a dataset split on the backend once, for training and prediction. */
export function toDevice(x: Float32Array, y: Int32Array, n: number, inputShape: readonly number[]): { x: tf.Tensor; y: tf.Tensor1D; n: number } {
  return { x: tf.tensor(x, [n, ...inputShape], 'float32'), y: tf.tensor1d(y, 'int32'), n };
}
