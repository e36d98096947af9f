/**
 * Conv2DBackpropInput for wasm. Stock runs a naive C loop; the input gradient is a full
 * correlation of dy with the spatially flipped filter whose in/out channels are swapped, which
 * XNNPACK's forward conv does an order of magnitude faster:
 *
 *   dx[b,i,j,c] = sum_{p,q,o} dy[b, i + top - p, j + left - q, o] * W[p,q,c,o]
 *               = conv(dy, W'), W'[p,q,o,c] = W[fh-1-p, fw-1-q, c, o], pad (fh-1-top, fh-1-bottom)
 *
 * For stride s > 1 the same identity holds on dy with s-1 zero rows/columns inserted between
 * its entries. That wastes s^2 of the multiply-adds but still beats the stock loop at the
 * sizes we train (measured, see docs/wasm-kernels.md). Anything outside these cases (NCHW,
 * padding wider than the filter) goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, dispose, f32, runKernel, zeros, type WasmBackend } from './wasm-backend';

/** Flips the filter spatially and swaps its channel axes: [fh,fw,ci,co] -> [fh,fw,co,ci]. */
function flippedFilter(backend: WasmBackend, filter: TensorInfo): TensorInfo {
  const [fh, fw, ci, co] = filter.shape;
  const out = backend.makeOutput([fh, fw, co, ci], 'float32');
  const src = f32(backend, filter);
  const dst = f32(backend, out);
  for (let p = 0; p < fh; p++) {
    for (let q = 0; q < fw; q++) {
      const from = ((fh - 1 - p) * fw + (fw - 1 - q)) * ci * co;
      const to = (p * fw + q) * co * ci;
      for (let c = 0; c < ci; c++) {
        for (let o = 0; o < co; o++) dst[to + o * ci + c] = src[from + c * co + o];
      }
    }
  }
  return out;
}

/** dy with (sh-1, sw-1) zeros between neighbouring rows and columns. */
function dilated(backend: WasmBackend, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [b, h, w, c] = dy.shape;
  const hd = (h - 1) * sh + 1;
  const wd = (w - 1) * sw + 1;
  const out = zeros(backend, [b, hd, wd, c], 'float32');
  const src = f32(backend, dy);
  const dst = f32(backend, out);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const from = ((n * h + i) * w + j) * c;
        dst.set(src.subarray(from, from + c), ((n * hd + i * sh) * wd + j * sw) * c);
      }
    }
  }
  return out;
}

export function makeConv2DBackpropInputConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, backend: rawBackend, attrs } = args;
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
    if (format !== 'channelsLast' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return stock.kernelFunc(args);
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format);
    const { filterHeight: fh, filterWidth: fw, inHeight, inWidth, outHeight, outWidth, strideHeight: sh, strideWidth: sw } = info;
    const top = fh - 1 - info.padInfo.top;
    const left = fw - 1 - info.padInfo.left;
    const bottom = inHeight - ((outHeight - 1) * sh + 1) + fh - 1 - top;
    const right = inWidth - ((outWidth - 1) * sw + 1) + fw - 1 - left;
    if (Math.min(top, left, bottom, right) < 0) return stock.kernelFunc(args);

    const backend = asWasm(rawBackend);
    const w = flippedFilter(backend, filter);
    const src = sh === 1 && sw === 1 ? dy : dilated(backend, dy, sh, sw);
    try {
      return runKernel(tf.Conv2D, backend, { x: src, filter: w }, {
        strides: [1, 1],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]] as unknown as number[][],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      });
    } finally {
      dispose(backend, w);
      if (src !== dy) dispose(backend, src);
    }
  };
  return { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc };
}
