/**
 * GatherV2 for wasm. The stock kernel walks the output element by element in C with a stride
 * computation per element, about 100 ns each here: gathering a minibatch of 1,280 images took
 * longer than the training step's matMuls. Every gathered slice is a contiguous run of memory,
 * so we copy whole slices inside the wasm heap instead (one `copyWithin` per index).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GatherV2Attrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, i32, memoryOffset } from './wasm-backend';

export function makeGatherV2Config(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
    const x = inputs.x as TensorInfo;
    const indices = inputs.indices as TensorInfo;
    const { axis, batchDims } = attrs as unknown as GatherV2Attrs;
    // bool is stored one byte per element; batched gathers are rare. Both keep the stock path.
    if (batchDims !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') {
      return stock.kernelFunc({ inputs, backend: rawBackend, attrs });
    }
    const backend = asWasm(rawBackend);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const outer = tf.util.sizeFromShape(x.shape.slice(0, ax));
    const dim = x.shape[ax];
    const inner = tf.util.sizeFromShape(x.shape.slice(ax + 1));
    const idx = i32(backend, indices);
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i];
      tf.util.assert(v >= 0 && v < dim, () => `GatherV2: the index value ${v} is not in [0, ${dim - 1}]`);
    }
    const count = idx.length;
    const out = backend.makeOutput([...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], x.dtype);
    if (count === 0 || inner === 0 || outer === 0) return out;
    // Views are taken after makeOutput, which may grow (and so detach) the heap.
    const heap = new Int32Array(backend.wasm.HEAPU8.buffer);
    const indexValues = i32(backend, indices);
    const src = memoryOffset(backend, x) / 4;
    const dst = memoryOffset(backend, out) / 4;
    for (let o = 0; o < outer; o++) {
      const from = src + o * dim * inner;
      const to = dst + o * count * inner;
      for (let i = 0; i < count; i++) {
        const start = from + indexValues[i] * inner;
        heap.copyWithin(to + i * inner, start, start + inner);
      }
    }
    return out;
  };
  return { kernelName: tf.GatherV2, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc };
}
