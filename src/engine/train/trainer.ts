/**
 * The training core: K models trained at once as a batched ensemble. Each model has its own
 * seed, initial weights, index subset and data order; the loss is the sum of per-model losses,
 * so model k's gradient is exactly the one it would get trained alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherRows, softmaxCrossEntropy } from '../backend/training-ops';
import { UnlearnError } from '../errors';
import type { ModelDef, ModelState, Params } from '../models/types';
import { learningRate, type TrainConfig } from './config';
import { epochOrder } from './data-order';
import { lossAndGradients, type Objective } from './gradients';
import { createOptimizer, type Optimizer } from './optimizer';

/**
 * Bumped whenever training changes what a given recipe and seed produce; part of every stored
 * model's key, so artifacts from an older trainer are retrained rather than mixed in.
 * 2: short last batches take proportionally shorter steps.
 * 3: the MLP's backward is written out, with TensorFlow's fused cross-entropy and ReLU-gradient
 *    kernels on tfjs-node; float32 rounding differs from autograd's (gradients by about 1e-8).
 */
export const TRAINING_REVISION = 3;

/** Data that stays on the backend for the whole run. */
export interface DeviceData {
  /** [n, ...inputShape] */
  x: tf.Tensor;
  /** [n] int32 labels */
  y: tf.Tensor1D;
  n: number;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  /** Mean over models of the last epoch's mean loss (NaN before the first epoch ends). */
  loss: number;
  examplesPerSecond: number;
  etaSeconds: number;
}

export interface TrainRequest {
  model: ModelDef;
  data: DeviceData;
  seeds: readonly number[];
  /** Indices each model trains on (all the same length); default: all of `data`. */
  subsets?: readonly Int32Array[];
  config: TrainConfig;
  /** Start from these weights (fine-tuning) instead of a fresh init; they are not modified. */
  initial?: { params: Params; state: ModelState };
  objective?: Objective;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  /** Minimum milliseconds between progress callbacks. */
  progressIntervalMs?: number;
  /**
   * An optimizer owned by the caller, so that its state (momentum, Adam moments) carries over
   * between calls that alternate objectives (GD+GA, SCRUB). It is not disposed here.
   */
  optimizer?: Optimizer;
  /**
   * Epochs already run by earlier calls on the same models: the data order and the learning-rate
   * schedule continue from there instead of restarting at epoch 0.
   */
  epochOffset?: number;
}

export interface TrainResult {
  params: Params;
  state: ModelState;
  /** lossHistory[k][e]: model k's mean loss in epoch e. */
  lossHistory: number[][];
  /** The epoch where model k's loss or weights became non-finite, else null. */
  divergedAtEpoch: Array<number | null>;
  steps: number;
  /** Examples processed by one model (forward+backward), for cost accounting. */
  examplesPerModel: number;
  seconds: number;
}

/** Mean cross-entropy per model, and its gradient in closed form; the default objective. */
export const crossEntropy: Objective = Object.assign(
  (logits: tf.Tensor3D, _idx: tf.Tensor2D, labels: tf.Tensor2D) =>
    tf.tidy(() => {
      const C = logits.shape[2];
      const oneHot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor2D, C) as tf.Tensor3D;
      const logp = tf.logSoftmax(logits);
      return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), 2), 1)) as tf.Tensor1D;
    }),
  { logitGradient: crossEntropyLogitGradient },
);

/** `Objective.logitGradient` of the mean cross-entropy: (softmax − onehot)·scale/B. */
export function crossEntropyLogitGradient(logits: tf.Tensor3D, _idx: tf.Tensor2D, labels: tf.Tensor2D, scale: number): { losses: tf.Tensor1D; dLogits: tf.Tensor3D } {
  return tf.tidy(() => {
    const [K, B, C] = logits.shape;
    const { loss, dLogits } = softmaxCrossEntropy(tf.reshape(logits, [K * B, C]), tf.reshape(labels, [K * B]));
    return { losses: tf.mean(tf.reshape(loss, [K, B]), 1) as tf.Tensor1D, dLogits: tf.reshape(tf.mul(dLogits, scale / B), [K, B, C]) as tf.Tensor3D };
  });
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new UnlearnError('cancelled', 'training was cancelled');
}

export async function trainEnsemble(req: TrainRequest): Promise<TrainResult> {
  const { model, data, seeds, config } = req;
  const K = seeds.length;
  if (K === 0) throw new UnlearnError('bad-config', 'no models to train (empty seed list)');
  const subsets = req.subsets ?? seeds.map(() => Int32Array.from({ length: data.n }, (_, i) => i));
  if (subsets.length !== K) throw new UnlearnError('bad-config', `got ${subsets.length} index subsets for ${K} models`);
  const m = subsets[0].length;
  if (m === 0) throw new UnlearnError('bad-config', 'cannot train on an empty set of points');
  if (subsets.some((s) => s.length !== m)) throw new UnlearnError('bad-config', 'models trained together need index subsets of equal size');
  for (const s of subsets) for (const i of s) if (i < 0 || i >= data.n) throw new UnlearnError('bad-config', `training index ${i} is outside 0..${data.n - 1}`);

  const B = Math.min(config.batchSize, m);
  const stepsPerEpoch = Math.ceil(m / B);
  const totalSteps = stepsPerEpoch * config.epochs;
  const objective = req.objective ?? crossEntropy;
  const optimizer = req.optimizer ?? createOptimizer(config);
  const epochOffset = req.epochOffset ?? 0;
  const started = performance.now();
  let lastReport = 0;
  const interval = req.progressIntervalMs ?? 250;

  let params: Params;
  let state: ModelState;
  if (req.initial) {
    params = Object.fromEntries(Object.entries(req.initial.params).map(([k, t]) => [k, tf.clone(t)]));
    state = Object.fromEntries(Object.entries(req.initial.state).map(([k, t]) => [k, tf.clone(t)]));
  } else {
    ({ params, state } = model.init(seeds));
  }
  const lossHistory: number[][] = seeds.map(() => []);
  const divergedAtEpoch: Array<number | null> = seeds.map(() => null);
  let step = 0;
  let lastLoss = NaN;
  // Held outside the loop so an exception (e.g. cancellation) can still free it.
  const live: { lossSum?: tf.Tensor1D } = {};

  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const orders = subsets.map((s, k) => epochOrder(seeds[k], epochOffset + epoch, s));
      let lossSum: tf.Tensor1D = tf.zeros([K]);
      live.lossSum = lossSum;
      for (let s = 0; s < stepsPerEpoch; s++) {
        checkCancelled(req.signal);
        const start = s * B;
        const b = Math.min(B, m - start);
        const idx = new Int32Array(K * b);
        for (let k = 0; k < K; k++) idx.set(orders[k].subarray(start, start + b), k * b);
        const lr = learningRate(config, epochOffset + epoch, s, stepsPerEpoch);
        // A short last batch takes a proportionally shorter step (its mean loss × b/B), so
        // every example weighs the same within an epoch: a full-size step on a handful of
        // points (4 of 900 at batch 128) throws momentum SGD off and the models fit worse.
        const { grads, losses, newState } = tf.tidy(() => {
          const flat = tf.tensor1d(idx, 'int32');
          const indices = tf.reshape(flat, [K, b]) as tf.Tensor2D;
          const x = tf.reshape(gatherRows(data.x, flat), [K, b, ...model.inputShape]);
          const labels = tf.reshape(gatherRows(data.y, flat), [K, b]) as tf.Tensor2D;
          return lossAndGradients(model, objective, params, state, { x, indices, labels }, b / B);
        });
        params = optimizer.step(params, grads, lr);
        if (newState) {
          for (const t of Object.values(state)) t.dispose();
          state = newState;
        }
        const prevSum: tf.Tensor1D = lossSum;
        lossSum = tf.tidy(() => tf.add(prevSum, tf.mul(losses, b / m)) as tf.Tensor1D);
        live.lossSum = lossSum;
        prevSum.dispose();
        losses.dispose();
        step += 1;
        const now = performance.now();
        if (req.onProgress && now - lastReport >= interval) {
          lastReport = now;
          req.onProgress(progressAt(step, totalSteps, epoch, config.epochs, lastLoss, started, now, K * B));
        }
        // Yield to the event loop after every step, so a cancel (an IPC message) takes effect
        // within one step; a step costs milliseconds, the yield microseconds.
        await new Promise((r) => setImmediate(r));
      }
      const epochLoss = Array.from(await lossSum.data());
      lossSum.dispose();
      live.lossSum = undefined;
      epochLoss.forEach((l, k) => {
        lossHistory[k].push(l);
        if (!Number.isFinite(l) && divergedAtEpoch[k] === null) divergedAtEpoch[k] = epoch;
      });
      lastLoss = epochLoss.reduce((a, b) => a + b, 0) / K;
      await new Promise((r) => setImmediate(r));
    }
    const finite = await weightsFinitePerModel(params, K);
    finite.forEach((ok, k) => {
      if (!ok && divergedAtEpoch[k] === null) divergedAtEpoch[k] = config.epochs - 1;
    });
    if (req.onProgress) req.onProgress(progressAt(step, totalSteps, config.epochs - 1, config.epochs, lastLoss, started, performance.now(), K * B));
  } catch (e) {
    live.lossSum?.dispose();
    for (const t of [...Object.values(params), ...Object.values(state)]) t.dispose();
    throw e;
  } finally {
    if (!req.optimizer) optimizer.dispose();
  }
  return {
    params,
    state,
    lossHistory,
    divergedAtEpoch,
    steps: step,
    examplesPerModel: m * config.epochs,
    seconds: (performance.now() - started) / 1000,
  };
}

function progressAt(step: number, total: number, epoch: number, epochs: number, loss: number, started: number, now: number, examplesPerStep: number): TrainProgress {
  const elapsed = (now - started) / 1000;
  const rate = step / Math.max(elapsed, 1e-9);
  return {
    epoch,
    epochs,
    step,
    totalSteps: total,
    loss,
    examplesPerSecond: rate * examplesPerStep,
    etaSeconds: rate > 0 ? (total - step) / rate : NaN,
  };
}

export async function weightsFinitePerModel(params: Params, K: number): Promise<boolean[]> {
  const t = tf.tidy(() => {
    const perTensor = Object.values(params).map((p) => tf.all(tf.isFinite(tf.reshape(p, [K, -1])), 1));
    return tf.min(tf.cast(tf.stack(perTensor), 'int32'), 0);
  });
  const v = await t.data();
  t.dispose();
  return Array.from(v, (x) => x === 1);
}
