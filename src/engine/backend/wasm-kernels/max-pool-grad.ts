/**
 * MaxPoolGrad for wasm. The stock C++ kernel drops the gradient of any window whose values are
 * all negative, which silently mistrains every net that pools before (or without) a ReLU.
 * This one routes each dy to the first maximum of its window, scanning the window row-major
 * like the cpu backend, so ties resolve the same way. Padding cells never win.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, f32, zeros } from './wasm-backend';

export function makeMaxPoolGradConfig(stock: KernelConfig | undefined): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasm(rawBackend);
    const dy = inputs.dy as TensorInfo;
    const input = inputs.input as TensorInfo;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
    const fh = info.effectiveFilterHeight;
    const fw = info.effectiveFilterWidth;
    const dh = info.dilationHeight;
    const dw = info.dilationWidth;
    const top = info.padInfo.top;
    const left = info.padInfo.left;

    const dx = zeros(backend, input.shape, 'float32');
    const x = f32(backend, input);
    const g = f32(backend, dy);
    const out = f32(backend, dx);

    for (let b = 0; b < batchSize; b++) {
      const xBatch = b * inHeight * inWidth * c;
      for (let oh = 0; oh < outHeight; oh++) {
        // Clip the window to the image once; padding cells never take part.
        const hStart = oh * strideHeight - top;
        let hFrom = hStart;
        while (hFrom < 0) hFrom += dh;
        const hTo = Math.min(inHeight, hStart + fh);
        for (let ow = 0; ow < outWidth; ow++) {
          const wStart = ow * strideWidth - left;
          let wFrom = wStart;
          while (wFrom < 0) wFrom += dw;
          const wTo = Math.min(inWidth, wStart + fw);
          const gBase = ((b * outHeight + oh) * outWidth + ow) * c;
          for (let ch = 0; ch < c; ch++) {
            let best = Number.NEGATIVE_INFINITY;
            let where = -1;
            for (let h = hFrom; h < hTo; h += dh) {
              for (let w = wFrom; w < wTo; w += dw) {
                const i = xBatch + (h * inWidth + w) * c + ch;
                const v = x[i];
                if (v > best) {
                  best = v;
                  where = i;
                }
              }
            }
            // A window of only NaN or -Infinity has no winner; like the cpu backend, it passes nothing back.
            if (where >= 0) out[where] += g[gBase + ch];
          }
        }
      }
    }
    return dx;
  };
  return { kernelName: tf.MaxPoolGrad, backendName: 'wasm', setupFunc: stock?.setupFunc, kernelFunc };
}
