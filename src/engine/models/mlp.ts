/**
 * Multi-layer perceptron (ReLU); with no hidden layer it is multinomial logistic regression.
 * All K models run as one batched matMul per layer: [K,B,in] × [K,in,out].
 */
import * as tf from '@tensorflow/tfjs-core';
import { reluGrad } from '../backend/training-ops';
import { countParams, initStacked, type ParamInit } from './init';
import type { ModelDef, ModelSpec, Params } from './types';

export function buildMlp(spec: ModelSpec, inputShape: readonly number[], numClasses: number, hidden: readonly number[]): ModelDef {
  const inSize = inputShape.reduce((a, b) => a * b, 1);
  const widths = [inSize, ...hidden, numClasses];
  const inits: ParamInit[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    inits.push({ name: `w${l}`, shape: [widths[l], widths[l + 1]], kind: 'fanIn', fanIn: widths[l] });
    inits.push({ name: `b${l}`, shape: [1, widths[l + 1]], kind: 'fanIn', fanIn: widths[l] });
  }
  const layers = widths.length - 1;
  return {
    spec,
    inputShape,
    numClasses,
    paramNames: inits.map((p) => p.name),
    init: (seeds) => ({ params: initStacked(seeds, inits), state: {} }),
    paramCount: () => countParams(inits),
    apply(params: Params, _state, x) {
      return { logits: forward(params, x).logits };
    },
    applyWithBackward(params: Params, x) {
      const { logits, layerInputs } = forward(params, x);
      return {
        logits,
        backward(dLogits) {
          const grads: Params = {};
          let d = dLogits;
          for (let l = layers - 1; l >= 0; l--) {
            grads[`w${l}`] = tf.matMul(layerInputs[l], d, true, false);
            grads[`b${l}`] = tf.sum(d, 1, true);
            if (l > 0) d = reluGrad(tf.matMul(d, params[`w${l}`] as tf.Tensor3D, false, true), layerInputs[l]);
          }
          return grads;
        },
      };
    },
  };

  /** Logits, and the input of every layer (the flattened x, then each hidden ReLU output). */
  function forward(params: Params, x: tf.Tensor): { logits: tf.Tensor3D; layerInputs: tf.Tensor3D[] } {
    const [K, B] = x.shape;
    const layerInputs: tf.Tensor3D[] = [];
    let h = tf.reshape(x, [K, B, inSize]) as tf.Tensor3D;
    for (let l = 0; l < layers; l++) {
      layerInputs.push(h);
      h = tf.add(tf.matMul(h, params[`w${l}`] as tf.Tensor3D), params[`b${l}`]) as tf.Tensor3D;
      if (l + 1 < layers) h = tf.relu(h);
    }
    return { logits: h, layerInputs };
  }
}
