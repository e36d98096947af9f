/**
 * tfjs-node can run any TensorFlow op by name, not only the ones tfjs maps to kernels. This is
 * the typed handle on that, for the few places where one TensorFlow op replaces several tfjs
 * ones (in-place optimizer updates, fused training kernels).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

/** The parts of tfjs-node's backend used here; the package exports no type for them. */
export interface NativeBackend {
  binding: { TF_ATTR_INT: number; TF_ATTR_TYPE: number; TF_ATTR_SHAPE: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
}

/** tfjs-node's backend when it is the current one, else undefined. */
export function nativeBackend(): NativeBackend | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const be = tf.backend() as unknown as Partial<NativeBackend>;
  return typeof be.executeSingleOutput === 'function' && typeof be.executeMultipleOutputs === 'function' && be.binding ? (be as NativeBackend) : undefined;
}

/** The attribute that sets a TensorFlow op's element type `name` (T, dtype, Tlabels …). */
export function typeAttr(be: NativeBackend, name: string, dtype: 'float32' | 'int32'): OpAttr {
  return { name, type: be.binding.TF_ATTR_TYPE, value: dtype === 'float32' ? be.binding.TF_FLOAT : be.binding.TF_INT32 };
}
