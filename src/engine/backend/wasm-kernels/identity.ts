/**
 * Identity for wasm. The stock kernel copies its input into a new buffer. The gradient tape
 * clones (runs Identity on) every tensor it saves for the backward pass, so a training step
 * copied its minibatch and most activations once more: about 4 ms per [50,128,784] stack here.
 * Tensors are immutable, so, as the cpu and webgl backends do, we share the buffer and count
 * one more reference to it instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm } from './wasm-backend';

export function makeIdentityConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
    const x = inputs.x as TensorInfo;
    if (x.dtype === 'string') return stock.kernelFunc({ inputs, backend: rawBackend, attrs });
    asWasm(rawBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc };
}
