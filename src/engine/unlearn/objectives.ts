/**
 * Per-model losses for the unlearners, in the trainer's `Objective` shape
 * ([K,B,C] logits, [K,B] indices into the training split, [K,B] labels → [K]).
 * Targets that differ per model are stored [K, n, C] and gathered with a per-model offset, so
 * model k only ever sees its own row.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../train/gradients';
import { crossEntropy, crossEntropyLogitGradient } from '../train/trainer';

export { crossEntropy };

export const negCrossEntropy: Objective = Object.assign((logits: tf.Tensor3D, idx: tf.Tensor2D, labels: tf.Tensor2D) => tf.tidy(() => tf.neg(crossEntropy(logits, idx, labels)) as tf.Tensor1D), {
  logitGradient: (logits: tf.Tensor3D, idx: tf.Tensor2D, labels: tf.Tensor2D, scale: number) =>
    tf.tidy(() => {
      const { losses, dLogits } = crossEntropyLogitGradient(logits, idx, labels, -scale);
      return { losses: tf.neg(losses) as tf.Tensor1D, dLogits };
    }),
});

/** Per-example CE [K,B]. */
function ceTerms(logits: tf.Tensor3D, labels: tf.Tensor2D): tf.Tensor2D {
  const C = logits.shape[2];
  const oneHot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor2D, C) as tf.Tensor3D;
  return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 2)) as tf.Tensor2D;
}

/**
 * Values of a target table for a batch: `table` is [K·n, C] (per model) or [n, C] (shared).
 * Returns [K,B,C].
 */
export function gatherTargets(table: tf.Tensor2D, perModel: boolean, n: number, idx: tf.Tensor2D): tf.Tensor3D {
  const [K, B] = idx.shape;
  const C = table.shape[1];
  let flat = tf.cast(idx, 'int32') as tf.Tensor2D;
  if (perModel) flat = tf.add(flat, tf.mul(tf.range(0, K, 1, 'int32').reshape([K, 1]), tf.scalar(n, 'int32'))) as tf.Tensor2D;
  return tf.reshape(tf.gather(table, tf.reshape(flat, [K * B])), [K, B, C]);
}

/** MSE between the full logit vector and a target (PyTorch's MSELoss: mean over batch and classes). */
export function mseToTargets(table: tf.Tensor2D, perModel: boolean, n: number): Objective {
  return Object.assign(
    (logits: tf.Tensor3D, idx: tf.Tensor2D) =>
      tf.tidy(() => {
        const t = gatherTargets(table, perModel, n, idx);
        return tf.mean(tf.squaredDifference(logits, t), [1, 2]) as tf.Tensor1D;
      }),
    {
      logitGradient: (logits: tf.Tensor3D, idx: tf.Tensor2D, _labels: tf.Tensor2D, scale: number) =>
        tf.tidy(() => {
          const [, B, C] = logits.shape;
          const diff = tf.sub(logits, gatherTargets(table, perModel, n, idx));
          return { losses: tf.mean(tf.square(diff), [1, 2]) as tf.Tensor1D, dLogits: tf.mul(diff, (2 * scale) / (B * C)) as tf.Tensor3D };
        }),
    },
  );
}

/**
 * KL(teacher ‖ student) at temperature T, × T² (Hinton's scaling, as SCRUB's DistillKL), mean
 * over the batch, per model [K]. The teacher's logits come from a frozen table.
 */
function distillKl(logits: tf.Tensor3D, teacher: tf.Tensor3D, T: number): tf.Tensor1D {
  const logPs = tf.logSoftmax(tf.div(logits, T));
  const logPt = tf.logSoftmax(tf.div(teacher, T));
  const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 2);
  return tf.mul(tf.mean(kl, 1), T * T) as tf.Tensor1D;
}

/** SCRUB's max-step: maximise KL on F, i.e. minimise its negative. */
export function scrubMax(teacher: tf.Tensor2D, n: number, T: number): Objective {
  return (logits, idx) => tf.tidy(() => tf.neg(distillKl(logits, gatherTargets(teacher, true, n, idx), T)) as tf.Tensor1D);
}

/** SCRUB's min-step: α·KL + γ·CE on R. */
export function scrubMin(teacher: tf.Tensor2D, n: number, T: number, alpha: number, gamma: number): Objective {
  return (logits, idx, labels) =>
    tf.tidy(() => {
      const kl = distillKl(logits, gatherTargets(teacher, true, n, idx), T);
      return tf.add(tf.mul(kl, alpha), tf.mul(crossEntropy(logits, idx, labels), gamma)) as tf.Tensor1D;
    });
}

/**
 * NegGrad+ on mixed batches of R ∪ F: β·mean CE over the batch's retain examples −
 * (1−β)·mean CE over its forget examples. `isForget` is [n] float (1 = in F).
 */
export function negGradPlus(isForget: tf.Tensor1D, beta: number): Objective {
  return (logits, idx, labels) =>
    tf.tidy(() => {
      const ce = ceTerms(logits, labels);
      const f = tf.reshape(tf.gather(isForget, tf.reshape(tf.cast(idx, 'int32'), [-1])), idx.shape) as tf.Tensor2D;
      const r = tf.sub(1, f);
      const meanOver = (w: tf.Tensor) => tf.div(tf.sum(tf.mul(ce, w), 1), tf.maximum(tf.sum(w, 1), 1));
      return tf.sub(tf.mul(meanOver(r), beta), tf.mul(meanOver(f), 1 - beta)) as tf.Tensor1D;
    });
}
