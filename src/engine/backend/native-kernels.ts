/**
 * Kernels that replace slow tfjs-node 4.22 ones for training. Registered once, right after
 * tfjs-node has registered its own (see select.ts).
 *
 * `Step` is the ReLU gradient's mask (tfjs: dReLU = dy · step(x)). tfjs-node builds it from seven
 * TensorFlow ops, two of which fill whole tensors with constants (ones and alpha); at an
 * ensemble's [32,128,256] activations that cost about 10 ms of an 80 ms step
 * (docs/training.md). For alpha = 0 the same values come from four, none of them a fill: x > 0
 * cast to float, with NaN passed through.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

const OURS = Symbol.for('unlearning-workbench.native-training-kernel');
type Tagged = KernelConfig & { [OURS]?: true };

export function makeNativeStepConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0;
    // Kernel inputs are the engine's tensors; ops accept them as such.
    const x = args.inputs.x as tf.Tensor;
    if (alpha !== 0 || x.dtype !== 'float32') return stock.kernelFunc(args);
    return tf.tidy(() => tf.where(tf.isNaN(x), x, tf.cast(tf.greater(x, 0), 'float32')));
  };
  return { kernelName: tf.Step, backendName: 'tensorflow', kernelFunc };
}

export function registerNativeTrainingKernels(): void {
  const stock = tf.getKernel(tf.Step, 'tensorflow') as Tagged | undefined;
  if (!stock || stock[OURS]) return;
  const ours: Tagged = { ...makeNativeStepConfig(stock), [OURS]: true };
  tf.unregisterKernel(tf.Step, 'tensorflow');
  tf.registerKernel(ours);
}
