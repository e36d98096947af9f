/**
 * Parameter initialisation, per model and per tensor from derived seeds, so that model k's
 * initial weights are the same whether it is trained alone or inside any ensemble.
 * Bounds follow PyTorch's defaults for Linear/Conv2d (uniform ±1/√fan_in), the peer we compare with.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fillUniform } from '../util/alea';
import { deriveSeed } from '../util/seed';

export interface ParamInit {
  name: string;
  shape: number[];
  /** 'fanIn': U(±1/√fanIn); 'ones' / 'zeros' for batch-norm scale and shift. */
  kind: 'fanIn' | 'ones' | 'zeros';
  fanIn?: number;
}

export function initStacked(seeds: readonly number[], inits: readonly ParamInit[]): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const p of inits) {
    out[p.name] = tf.tidy(() => {
      if (p.kind === 'ones') return tf.ones([seeds.length, ...p.shape]);
      if (p.kind === 'zeros') return tf.zeros([seeds.length, ...p.shape]);
      const bound = 1 / Math.sqrt(p.fanIn ?? 1);
      const size = countParams([p]);
      const values = new Float32Array(seeds.length * size);
      // Model k's slice holds what tf.randomUniform(p.shape, -bound, bound, 'float32', its seed)
      // would, bit for bit (util/alea.ts), written in place instead of K tensors and a stack.
      seeds.forEach((s, k) => fillUniform(values.subarray(k * size, (k + 1) * size), -bound, bound, deriveSeed(s, p.name)));
      return tf.tensor(values, [seeds.length, ...p.shape], 'float32');
    });
  }
  return out;
}

export function countParams(inits: readonly ParamInit[]): number {
  return inits.reduce((acc, p) => acc + p.shape.reduce((a, b) => a * b, 1), 0);
}
