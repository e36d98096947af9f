/**
 * Training ops that tfjs composes from several kernels, as one TensorFlow kernel on tfjs-node
 * and as the usual composition elsewhere. At an ensemble's sizes each tfjs-node kernel call costs
 * a pass over memory plus a fixed overhead, so fewer calls is faster (docs/training.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeBackend, typeAttr } from './native-ops';

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
  if (be) {
    const [loss, dLogits] = be.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits', [typeAttr(be, 'T', 'float32'), typeAttr(be, 'Tlabels', 'int32')], [logits, tf.cast(labels, 'int32')], 2);
    return { loss: loss as tf.Tensor1D, dLogits: dLogits as tf.Tensor2D };
  }
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    const logp = tf.logSoftmax(logits);
    return { loss: tf.neg(tf.sum(tf.mul(oneHot, logp), 1)) as tf.Tensor1D, dLogits: tf.sub(tf.exp(logp), oneHot) as tf.Tensor2D };
  });
}
