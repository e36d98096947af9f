/**
 * Training kernels that stock tfjs-backend-wasm 4.22 lacks or gets wrong (see TFJS.md and
 * docs/wasm-kernels.md). Registered once, before the wasm backend is first used.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
// The stock kernels must be registered before we look them up to delegate to them.
import '@tensorflow/tfjs-backend-wasm';
import { makeBatchMatMulConfig } from './batch-mat-mul';
import { makeConv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { makeConv2DBackpropInputConfig } from './conv2d-backprop-input';
import { makeGatherV2Config } from './gather-v2';
import { makeIdentityConfig } from './identity';
import { makeMaxPoolGradConfig } from './max-pool-grad';
import { makeAdamStepConfig } from './simd-adam';
import { makeSgdMomentumStepConfig } from './simd-sgd';
import { makeTileConfig } from './tile';
import { makeUnsortedSegmentSumConfig } from './unsorted-segment-sum';

/** Marks our configs so a second copy of this module (another bundle) does not stack on top. */
const OURS = Symbol.for('unlearning-workbench.wasm-training-kernel');
type Tagged = KernelConfig & { [OURS]?: true };

let registered = false;

function stockKernel(name: string): KernelConfig | undefined {
  const config = tf.getKernel(name, 'wasm') as Tagged | undefined;
  return config && !config[OURS] ? config : undefined;
}

function requireStock(name: string): KernelConfig {
  const config = stockKernel(name);
  if (!config) throw new Error(`wasm training kernels: stock wasm kernel ${name} is missing`);
  return config;
}

function install(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
  const tagged: Tagged = { ...config, [OURS]: true };
  tf.registerKernel(tagged);
}

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  if ((tf.getKernel(tf.BatchMatMul, 'wasm') as Tagged | undefined)?.[OURS]) {
    registered = true;
    return;
  }
  // Build every config before touching the registry, so a failure leaves stock kernels intact.
  const configs = [
    makeBatchMatMulConfig(requireStock(tf.BatchMatMul)),
    makeConv2DBackpropInputConfig(requireStock(tf.Conv2DBackpropInput)),
    makeMaxPoolGradConfig(stockKernel(tf.MaxPoolGrad)),
    makeConv2DBackpropFilterConfig(),
    makeGatherV2Config(requireStock(tf.GatherV2)),
    makeIdentityConfig(requireStock(tf.Identity)),
    makeTileConfig(requireStock(tf.Tile)),
    makeUnsortedSegmentSumConfig(),
  ];
  for (const fused of [makeSgdMomentumStepConfig(), makeAdamStepConfig()]) if (fused) configs.push(fused);
  for (const c of configs) install(c);
  registered = true;
}
