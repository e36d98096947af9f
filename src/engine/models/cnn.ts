/**
 * A small CNN: conv3×3(c1)–ReLU–conv3×3(c2)–ReLU–maxpool2×2–dense. TF.js has no grouped
 * convolution, so the K models are applied one after another inside one graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import { countParams, initStacked, type ParamInit } from './init';
import { perModel } from './split';
import type { ModelDef, ModelSpec, Params } from './types';

export function buildCnn(spec: ModelSpec, inputShape: readonly number[], numClasses: number, channels: readonly [number, number]): ModelDef {
  if (inputShape.length !== 3) throw new Error(`the cnn model needs image inputs [H, W, C], got [${inputShape.join(', ')}]`);
  const [H, W, C] = inputShape;
  const [c1, c2] = channels;
  const flat = Math.floor(H / 2) * Math.floor(W / 2) * c2;
  const inits: ParamInit[] = [
    { name: 'conv1', shape: [3, 3, C, c1], kind: 'fanIn', fanIn: 9 * C },
    { name: 'bias1', shape: [c1], kind: 'fanIn', fanIn: 9 * C },
    { name: 'conv2', shape: [3, 3, c1, c2], kind: 'fanIn', fanIn: 9 * c1 },
    { name: 'bias2', shape: [c2], kind: 'fanIn', fanIn: 9 * c1 },
    { name: 'dense', shape: [flat, numClasses], kind: 'fanIn', fanIn: flat },
    { name: 'denseBias', shape: [numClasses], kind: 'fanIn', fanIn: flat },
  ];
  return {
    spec,
    inputShape,
    numClasses,
    paramNames: inits.map((p) => p.name),
    init: (seeds) => ({ params: initStacked(seeds, inits), state: {} }),
    paramCount: () => countParams(inits),
    apply(params: Params, _state, x) {
      const K = x.shape[0];
      const B = x.shape[1] ?? 0;
      const per = (name: string) => perModel(params[name]);
      const [w1, b1, w2, b2, wd, bd] = ['conv1', 'bias1', 'conv2', 'bias2', 'dense', 'denseBias'].map(per);
      const xs = perModel(x);
      const outs: tf.Tensor2D[] = [];
      for (let k = 0; k < K; k++) {
        let h = tf.relu(tf.add(tf.conv2d(xs[k] as tf.Tensor4D, w1[k] as tf.Tensor4D, 1, 'same'), b1[k])) as tf.Tensor4D;
        h = tf.relu(tf.add(tf.conv2d(h, w2[k] as tf.Tensor4D, 1, 'same'), b2[k])) as tf.Tensor4D;
        h = tf.maxPool(h, 2, 2, 'valid');
        outs.push(tf.add(tf.matMul(tf.reshape(h, [B, flat]), wd[k] as tf.Tensor2D), bd[k]) as tf.Tensor2D);
      }
      return { logits: tf.stack(outs) as tf.Tensor3D };
    },
  };
}
