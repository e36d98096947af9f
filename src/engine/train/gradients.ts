/**
 * One minibatch's per-model losses and parameter gradients. Where the model has a written-out
 * backward and the objective a closed-form gradient with respect to the logits, no autograd tape
 * is recorded: for the MLP on tfjs-node that is about a third fewer kernel calls per step, and
 * fused ones (docs/training.md). Everything else goes through tf.valueAndGrads.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelDef, ModelState, Params } from '../models/types';

export interface Batch {
  /** [K, B, ...inputShape] */
  x: tf.Tensor;
  /** [K, B] indices into the training split */
  indices: tf.Tensor2D;
  /** [K, B] int32 */
  labels: tf.Tensor2D;
}

/** Per-model loss [K] for one minibatch: logits [K,B,C], batch indices [K,B], labels [K,B]. */
export interface Objective {
  (logits: tf.Tensor3D, batchIndices: tf.Tensor2D, labels: tf.Tensor2D): tf.Tensor1D;
  /**
   * The same losses and, in closed form, the gradient of scale · Σ_k loss_k with respect to the
   * logits [K,B,C].
   */
  logitGradient?(logits: tf.Tensor3D, batchIndices: tf.Tensor2D, labels: tf.Tensor2D, scale: number): { losses: tf.Tensor1D; dLogits: tf.Tensor3D };
}

/** A type, not an interface, so that tf.tidy can return it. */
export type StepGradients = {
  grads: Params;
  losses: tf.Tensor1D;
  /** Updated non-trainable state, for models that have any. */
  newState?: ModelState;
};

/**
 * Gradients of scale · Σ_k loss_k: the sum keeps every model's gradient its own, and `scale`
 * lets a short last batch take a proportionally shorter step.
 */
export function lossAndGradients(model: ModelDef, objective: Objective, params: Params, state: ModelState, batch: Batch, scale: number): StepGradients {
  const { applyWithBackward } = model;
  const { logitGradient } = objective;
  if (applyWithBackward && logitGradient) {
    return tf.tidy(() => {
      const forward = applyWithBackward(params, batch.x);
      const { losses, dLogits } = logitGradient(forward.logits, batch.indices, batch.labels, scale);
      return { grads: forward.backward(dLogits), losses };
    });
  }
  return tf.tidy(() => {
    const names = model.paramNames;
    let newState: ModelState | undefined;
    let losses: tf.Tensor1D | undefined;
    const { grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
      const p: Params = Object.fromEntries(names.map((n, i) => [n, ps[i]]));
      const out = model.apply(p, state, batch.x, true);
      if (out.state) newState = Object.fromEntries(Object.entries(out.state).map(([n, t]) => [n, tf.keep(t)]));
      losses = tf.keep(objective(out.logits, batch.indices, batch.labels));
      return scale === 1 ? tf.sum(losses) : tf.mul(tf.sum(losses), scale);
    })(names.map((n) => params[n]));
    if (!losses) throw new Error('the objective produced no loss');
    return { grads: Object.fromEntries(names.map((n, i) => [n, grads[i]])), losses, newState };
  });
}
