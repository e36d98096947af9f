/**
 * Ops of the training step with a faster path on tfjs-node: one TensorFlow kernel where tfjs
 * composes several (each a pass over memory plus a fixed overhead at an ensemble's sizes), or
 * the kernel without tfjs-node's JavaScript wrapper work; the usual tfjs ops elsewhere
 * (docs/training.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeBackend, typeAttr } from './native-ops';

/**
 * Rows `indices` of x (tf.gather on axis 0). tfjs-node's GatherV2 first reads the indices back
 * and checks each in JavaScript (1 ms of a K = 32 step); TensorFlow checks them itself.
 */
export function gatherRows(x: tf.Tensor, indices: tf.Tensor1D): tf.Tensor {
  const be = nativeBackend();
  if (!be || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') return tf.gather(x, indices);
  const axis = tf.scalar(0, 'int32');
  try {
    const attrs = [{ name: 'batch_dims', type: be.binding.TF_ATTR_INT, value: 0 }, typeAttr(be, 'Tparams', x.dtype), typeAttr(be, 'Tindices', 'int32'), typeAttr(be, 'Taxis', 'int32')];
    return be.executeSingleOutput('GatherV2', attrs, [x, indices, axis]);
  } finally {
    axis.dispose();
  }
}

/** dy where the ReLU output y is positive, else 0: the gradient of y = relu(x) given y. */
export function reluGrad<T extends tf.Tensor>(dy: T, y: T): T {
  const be = nativeBackend();
  if (be) return be.executeSingleOutput('ReluGrad', [typeAttr(be, 'T', 'float32')], [dy, y]) as T;
  return tf.mul(dy, tf.step(y));
}

/**
 * Softmax cross-entropy of logits [n, C] against integer labels [n]: the per-example loss [n]
 * and its gradient with respect to the logits, softmax − one-hot [n, C].
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): { loss: tf.Tensor1D; dLogits: tf.Tensor2D } {
  const be = nativeBackend();
  return tf.tidy(() => {
    if (be) {
      const [loss, dLogits] = be.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits', [typeAttr(be, 'T', 'float32'), typeAttr(be, 'Tlabels', 'int32')], [logits, tf.cast(labels, 'int32')], 2);
      return { loss: loss as tf.Tensor1D, dLogits: dLogits as tf.Tensor2D };
    }
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    const logp = tf.logSoftmax(logits);
    return { loss: tf.neg(tf.sum(tf.mul(oneHot, logp), 1)) as tf.Tensor1D, dLogits: tf.sub(tf.exp(logp), oneHot) as tf.Tensor2D };
  });
}
