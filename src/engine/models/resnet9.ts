/**
 * ResNet-9 as in the authors' CIFAR-10 recipe (the ffcv ResNet-9 used for datamodels and TRAK):
 *   convbn(C→w,3) · convbn(w→2w,5,stride 2,pad 2) · res(convbn(2w→2w,3)×2) · convbn(2w→4w,3)
 *   · maxpool 2 · res(convbn(4w→4w,3)×2) · convbn(4w→2w,3,pad 0) · global max-pool
 *   · linear(2w→classes, no bias) · ×0.2
 * where convbn = conv (no bias) + batch-norm + ReLU and w = 64 by default. The K models run one
 * after another in one graph; batch-norm keeps running statistics as per-model state.
 */
import * as tf from '@tensorflow/tfjs-core';
import { countParams, initStacked, type ParamInit } from './init';
import { perModel } from './split';
import type { ModelDef, ModelSpec, ModelState, Params } from './types';

interface ConvBn {
  name: string;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: number;
}

const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;

export function buildResnet9(spec: ModelSpec, inputShape: readonly number[], numClasses: number, w: number): ModelDef {
  if (inputShape.length !== 3) throw new Error(`resnet9 needs image inputs [H, W, C], got [${inputShape.join(', ')}]`);
  const C = inputShape[2];
  const blocks: ConvBn[] = [
    { name: 'prep', cin: C, cout: w, k: 3, stride: 1, pad: 1 },
    { name: 'layer1', cin: w, cout: 2 * w, k: 5, stride: 2, pad: 2 },
    { name: 'res1a', cin: 2 * w, cout: 2 * w, k: 3, stride: 1, pad: 1 },
    { name: 'res1b', cin: 2 * w, cout: 2 * w, k: 3, stride: 1, pad: 1 },
    { name: 'layer2', cin: 2 * w, cout: 4 * w, k: 3, stride: 1, pad: 1 },
    { name: 'res2a', cin: 4 * w, cout: 4 * w, k: 3, stride: 1, pad: 1 },
    { name: 'res2b', cin: 4 * w, cout: 4 * w, k: 3, stride: 1, pad: 1 },
    { name: 'layer3', cin: 4 * w, cout: 2 * w, k: 3, stride: 1, pad: 0 },
  ];
  const inits: ParamInit[] = [];
  const stateInits: ParamInit[] = [];
  for (const b of blocks) {
    inits.push({ name: `${b.name}.w`, shape: [b.k, b.k, b.cin, b.cout], kind: 'fanIn', fanIn: b.k * b.k * b.cin });
    inits.push({ name: `${b.name}.gamma`, shape: [b.cout], kind: 'ones' });
    inits.push({ name: `${b.name}.beta`, shape: [b.cout], kind: 'zeros' });
    stateInits.push({ name: `${b.name}.mean`, shape: [b.cout], kind: 'zeros' });
    stateInits.push({ name: `${b.name}.var`, shape: [b.cout], kind: 'ones' });
  }
  inits.push({ name: 'fc', shape: [2 * w, numClasses], kind: 'fanIn', fanIn: 2 * w });

  return {
    spec,
    inputShape,
    numClasses,
    paramNames: inits.map((p) => p.name),
    init: (seeds) => ({ params: initStacked(seeds, inits), state: initStacked(seeds, stateInits) }),
    paramCount: () => countParams(inits),
    apply(params: Params, state: ModelState, x, training) {
      const K = x.shape[0];
      const p = Object.fromEntries(Object.entries(params).map(([n, t]) => [n, perModel(t)]));
      const s = Object.fromEntries(Object.entries(state).map(([n, t]) => [n, perModel(t)]));
      const xs = perModel(x);
      const outs: tf.Tensor2D[] = [];
      const newState: Record<string, tf.Tensor[]> = {};
      for (let k = 0; k < K; k++) {
        const convbn = (h: tf.Tensor4D, b: ConvBn): tf.Tensor4D => {
          const padded = b.pad > 0 ? tf.pad(h, [[0, 0], [b.pad, b.pad], [b.pad, b.pad], [0, 0]]) : h;
          const z = tf.conv2d(padded, p[`${b.name}.w`][k] as tf.Tensor4D, b.stride, 'valid');
          let mean: tf.Tensor;
          let variance: tf.Tensor;
          if (training) {
            const m = tf.moments(z, [0, 1, 2]);
            mean = m.mean;
            variance = m.variance;
            const count = z.shape[0] * z.shape[1] * z.shape[2];
            const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
            const upd = (name: string, batch: tf.Tensor) =>
              (newState[name] ??= []).push(tf.add(tf.mul(s[name][k], 1 - BN_MOMENTUM), tf.mul(batch, BN_MOMENTUM)));
            upd(`${b.name}.mean`, mean);
            upd(`${b.name}.var`, unbiased);
          } else {
            mean = s[`${b.name}.mean`][k];
            variance = s[`${b.name}.var`][k];
          }
          const normed = tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, BN_EPS)));
          return tf.relu(tf.add(tf.mul(normed, p[`${b.name}.gamma`][k]), p[`${b.name}.beta`][k])) as tf.Tensor4D;
        };
        const [prep, layer1, res1a, res1b, layer2, res2a, res2b, layer3] = blocks;
        let h = convbn(xs[k] as tf.Tensor4D, prep);
        h = convbn(h, layer1);
        h = tf.add(h, convbn(convbn(h, res1a), res1b));
        h = convbn(h, layer2);
        h = tf.maxPool(h, 2, 2, 'valid');
        h = tf.add(h, convbn(convbn(h, res2a), res2b));
        h = convbn(h, layer3);
        const pooled = tf.max(h, [1, 2]) as tf.Tensor2D;
        outs.push(tf.mul(tf.matMul(pooled, p.fc[k] as tf.Tensor2D), 0.2));
      }
      const logits = tf.stack(outs) as tf.Tensor3D;
      if (!training) return { logits };
      return { logits, state: Object.fromEntries(Object.entries(newState).map(([n, ts]) => [n, tf.stack(ts)])) };
    },
  };
}
