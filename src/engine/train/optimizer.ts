/**
 * SGD with momentum and Adam over stacked parameters, with PyTorch's semantics (weight decay
 * added to the gradient; SGD: buf = μ·buf + g, p -= lr·buf; Adam with bias correction), so that
 * hyper-parameters mean the same as in the authors' code. The learning rate is passed per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createInPlaceAdam, createInPlaceMomentum, type InPlaceOptimizer } from '../backend/native-optimizers';
import { ADAM_STEP, type AdamStepAttrs } from '../backend/wasm-kernels/simd-adam';
import { SGD_MOMENTUM_STEP, type SgdMomentumStepAttrs } from '../backend/wasm-kernels/simd-sgd';
import type { Params } from '../models/types';
import type { TrainConfig } from './config';

export interface Optimizer {
  /** Returns the updated parameters; disposes the old ones and the gradients. */
  step(params: Params, grads: Params, lr: number): Params;
  dispose(): void;
}

export function createOptimizer(cfg: Pick<TrainConfig, 'optimizer' | 'momentum' | 'weightDecay'>): Optimizer {
  return cfg.optimizer === 'adam' ? adam(cfg.weightDecay) : sgd(cfg.momentum, cfg.weightDecay);
}

function replaceAll(old: Params, next: Params): void {
  for (const name of Object.keys(old)) if (old[name] !== next[name]) old[name].dispose();
}

function stepInPlace(inPlace: InPlaceOptimizer, params: Params, grads: Params, lr: number): Params {
  const nextParams: Params = {};
  for (const name of Object.keys(params)) nextParams[name] = inPlace.step(name, params[name], grads[name], lr);
  return nextParams;
}

function sgd(momentum: number, weightDecay: number): Optimizer {
  let bufs: Params | undefined;
  // In place where the backend can (tfjs-node); the same float32 values either way.
  const inPlace = momentum > 0 ? createInPlaceMomentum(momentum, weightDecay) : undefined;
  return {
    step(params, grads, lr) {
      if (inPlace) return stepInPlace(inPlace, params, grads, lr);
      const nextParams: Params = {};
      const nextBufs: Params = {};
      // One fused pass where the backend has it (wasm); it computes the same float32 values.
      const fused = bufs && momentum > 0 && weightDecay > 0 && tf.getKernel(SGD_MOMENTUM_STEP, tf.getBackend()) !== undefined;
      tf.tidy(() => {
        for (const name of Object.keys(params)) {
          const p = params[name];
          if (fused && bufs) {
            const attrs: SgdMomentumStepAttrs = { weightDecay, momentum, lr };
            const [np, nb] = tf.engine().runKernel(SGD_MOMENTUM_STEP, { p, g: grads[name], buf: bufs[name] }, { ...attrs }) as tf.Tensor[];
            nextParams[name] = tf.keep(np);
            nextBufs[name] = tf.keep(nb);
            continue;
          }
          let g = grads[name];
          if (weightDecay > 0) g = tf.add(g, tf.mul(p, weightDecay));
          let update = g;
          if (momentum > 0) {
            // On the first step the buffer is the gradient itself; without weight decay that is
            // the caller's tensor, which is disposed below, so the buffer keeps its own copy.
            update = bufs ? tf.add(tf.mul(bufs[name], momentum), g) : g === grads[name] ? tf.clone(g) : g;
            nextBufs[name] = tf.keep(update);
          }
          nextParams[name] = tf.keep(tf.sub(p, tf.mul(update, lr)));
        }
      });
      replaceAll(params, nextParams);
      replaceAll(grads, {});
      if (momentum > 0) {
        if (bufs) replaceAll(bufs, {});
        bufs = nextBufs;
      }
      return nextParams;
    },
    dispose() {
      if (bufs) replaceAll(bufs, {});
      bufs = undefined;
      inPlace?.dispose();
    },
  };
}

function adam(weightDecay: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): Optimizer {
  let m: Params | undefined;
  let v: Params | undefined;
  let t = 0;
  // In place where the backend can (tfjs-node), with TensorFlow's rounding (a training revision).
  const inPlace = createInPlaceAdam(beta1, beta2, eps, weightDecay);
  return {
    step(params, grads, lr) {
      if (inPlace) return stepInPlace(inPlace, params, grads, lr);
      t += 1;
      const nextParams: Params = {};
      const nextM: Params = {};
      const nextV: Params = {};
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      // One fused pass where the backend has it (wasm); it computes the same float32 values.
      const fused = m && v && tf.getKernel(ADAM_STEP, tf.getBackend()) !== undefined;
      const attrs: AdamStepAttrs = { weightDecay, beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, c2, eps, stepSize: lr / c1 };
      tf.tidy(() => {
        for (const name of Object.keys(params)) {
          const p = params[name];
          if (fused && m && v) {
            const [np, nm, nv] = tf.engine().runKernel(ADAM_STEP, { p, g: grads[name], m: m[name], v: v[name] }, { ...attrs }) as tf.Tensor[];
            nextParams[name] = tf.keep(np);
            nextM[name] = tf.keep(nm);
            nextV[name] = tf.keep(nv);
            continue;
          }
          let g = grads[name];
          if (weightDecay > 0) g = tf.add(g, tf.mul(p, weightDecay));
          const mt = m ? tf.add(tf.mul(m[name], beta1), tf.mul(g, 1 - beta1)) : tf.mul(g, 1 - beta1);
          const vt = v ? tf.add(tf.mul(v[name], beta2), tf.mul(tf.square(g), 1 - beta2)) : tf.mul(tf.square(g), 1 - beta2);
          nextM[name] = tf.keep(mt);
          nextV[name] = tf.keep(vt);
          const denom = tf.add(tf.sqrt(tf.div(vt, c2)), eps);
          nextParams[name] = tf.keep(tf.sub(p, tf.mul(tf.div(mt, denom), lr / c1)));
        }
      });
      replaceAll(params, nextParams);
      replaceAll(grads, {});
      if (m) replaceAll(m, {});
      if (v) replaceAll(v, {});
      m = nextM;
      v = nextV;
      return nextParams;
    },
    dispose() {
      if (m) replaceAll(m, {});
      if (v) replaceAll(v, {});
      m = v = undefined;
      inPlace?.dispose();
    },
  };
}
