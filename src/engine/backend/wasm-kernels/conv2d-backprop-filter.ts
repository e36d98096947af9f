/**
 * Conv2DBackpropFilter for wasm, which stock tfjs-backend-wasm does not register at all (so no
 * conv net can train there). The filter gradient is itself a convolution, so we let XNNPACK do
 * it instead of writing a loop:
 *
 *   dW[i,j,c,o] = sum_{b,p,q} x[b, i + p*sh - top, j + q*sw - left, c] * dy[b,p,q,o]
 *
 * is a stride-1 conv whose "batch" is the input channel c, whose "channels" are the batch b,
 * and whose filter is dy laid out as [outH, outW, batch, outC] and dilated by the forward
 * stride. Its output is [inC, fh', fw', outC] with fh' >= fh (extra rows appear when the
 * forward conv skipped input rows, e.g. 'valid' with a stride that does not divide evenly);
 * the final copy drops them while moving inC into place.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, dispose, f32, runKernel, transpose } from './wasm-backend';

export function makeConv2DBackpropFilterConfig(): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasm(rawBackend);
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (tf.backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') {
      throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
    }
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    // Pad the far side just enough for fh x fw outputs; the forward conv may have used less.
    const bottom = Math.max(0, fh - inHeight - top + (outHeight - 1) * strideHeight);
    const right = Math.max(0, fw - inWidth - left + (outWidth - 1) * strideWidth);

    const xT = transpose(backend, x, [3, 1, 2, 0]);
    const dyT = transpose(backend, dy, [1, 2, 0, 3]);
    let grad: TensorInfo;
    try {
      grad = runKernel(tf.Conv2D, backend, { x: xT, filter: dyT }, {
        strides: [1, 1],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]] as unknown as number[][],
        dataFormat: 'NHWC',
        dilations: [strideHeight, strideWidth],
      });
    } finally {
      dispose(backend, xT, dyT);
    }

    const [, gh, gw] = grad.shape;
    const dw = backend.makeOutput([fh, fw, ci, co], 'float32');
    const src = f32(backend, grad);
    const dst = f32(backend, dw);
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        for (let c = 0; c < ci; c++) {
          const from = ((c * gh + i) * gw + j) * co;
          dst.set(src.subarray(from, from + co), ((i * fw + j) * ci + c) * co);
        }
      }
    }
    dispose(backend, grad);
    return dw;
  };
  return { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc };
}
