/**
 * UnsortedSegmentSum for wasm, missing from the stock backend. tfjs-core uses it as the gradient
 * of gather (embedding lookups, per-example indexing), so without it those models cannot train.
 * Ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { asWasm, f32, i32, zeros } from './wasm-backend';

export function makeUnsortedSegmentSumConfig(): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasm(rawBackend);
    const x = inputs.x as TensorInfo;
    const segmentIds = inputs.segmentIds as TensorInfo;
    const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`wasm UnsortedSegmentSum: unsupported dtype ${x.dtype}`);
    if (segmentIds.dtype !== 'int32') throw new Error('wasm UnsortedSegmentSum: segmentIds must be int32');
    const idRank = segmentIds.shape.length;
    tf.util.assert(tf.util.arraysEqual(x.shape.slice(0, idRank), segmentIds.shape), () => `UnsortedSegmentSum: segmentIds shape ${segmentIds.shape} must prefix x shape ${x.shape}`);
    const inner = x.shape.slice(idRank);
    const rowSize = tf.util.sizeFromShape(inner);

    const out = zeros(backend, [numSegments, ...inner], x.dtype);
    const ids = i32(backend, segmentIds);
    const src = x.dtype === 'int32' ? i32(backend, x) : f32(backend, x);
    const dst = x.dtype === 'int32' ? i32(backend, out) : f32(backend, out);
    for (let r = 0; r < ids.length; r++) {
      const s = ids[r];
      if (s < 0 || s >= numSegments) continue;
      const from = r * rowSize;
      const to = s * rowSize;
      for (let e = 0; e < rowSize; e++) dst[to + e] += src[from + e];
    }
    return out;
  };
  return { kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc };
}
