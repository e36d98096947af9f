/**
 * Runs a loaded plug-in unlearner on K stacked models through the same contract as the built-in
 * runner (run.ts): checkpoints at each budget's epoch, cost in examples processed (SPEC §3:
 * forward+backward 1, forward-only 1/3), a per-epoch, per-phase loss trace, and divergence per
 * model (non-finite loss or weights) reported, not thrown. The plug-in gets the engine's own
 * TensorFlow.js and works through a small context (types/unlearner-plugin.d.ts); anything it
 * throws becomes an UnlearnError naming it, so a faulty plug-in fails its job, not the engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, OptimizerOptions, PluginOptimizer, PluginRng, StepOptions, UnlearnerContext } from '../../../types/unlearner-plugin';
import { UnlearnError } from '../errors';
import { log } from '../log';
import type { ModelState, Params } from '../models/types';
import { createOptimizer, type Optimizer } from '../train/optimizer';
import { crossEntropy, weightsFinitePerModel } from '../train/trainer';
import { Rng } from '../util/rng';
import { deriveSeed } from '../util/seed';
import type { LoadedPlugin } from './plugin-loader';
import { costOf, type LossTraceEntry, type UnlearnInput, type UnlearnResult } from './run';

export type PluginRunInput = Omit<UnlearnInput, 'method' | 'settings' | 'targets' | 'teacherLogits' | 'retrainConfig'> & {
  /** True labels of the training split, on the host. */
  labels: Int32Array;
};

interface PhaseLoss {
  /** Σ over batches of loss × examples, per model, on the backend. */
  device?: tf.Tensor1D;
  host: number[];
  examples: number;
}

const disposeAll = (...maps: Array<Record<string, tf.Tensor>>) => {
  for (const m of maps) for (const t of Object.values(m)) t.dispose();
};

export async function runPluginUnlearner(p: LoadedPlugin, input: PluginRunInput): Promise<UnlearnResult> {
  const { model, train, seeds, forget, retain } = input;
  const K = seeds.length;
  if (K === 0) throw new UnlearnError('bad-config', 'no models to unlearn');
  if (forget.length === 0) throw new UnlearnError('bad-forget-set', 'the forget set is empty');
  if (retain.length === 0) throw new UnlearnError('bad-forget-set', 'the retain set is empty');
  if (input.labels.length !== train.n) throw new UnlearnError('bad-config', `${train.n} training points but ${input.labels.length} labels`);
  const budgets = [...(input.budgets ?? p.budgets)].sort((a, b) => a - b);
  const epochs = budgets[budgets.length - 1];
  const who = `plug-in unlearner "${p.id}" (${p.file})`;
  const names = model.paramNames;
  const clone = (m: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(m).map(([k, t]) => [k, tf.clone(t)]));

  let params: Params = clone(input.initial.params);
  let state: ModelState = clone(input.initial.state);
  const tensorsAtStart = tf.memory().numTensors;
  const optimizers: Array<{ handle: PluginOptimizer; impl: Optimizer }> = [];
  const phases = new Map<string, PhaseLoss>();
  const divergedAtEpoch: Array<number | null> = seeds.map(() => null);
  const lossTrace: LossTraceEntry[] = [];
  let epoch = 0;
  let steps = 0;
  let backward = 0;
  let forwardOnly = 0;
  const started = performance.now();

  const cancelled = () => {
    if (input.signal?.aborted) throw new UnlearnError('cancelled', 'unlearning was cancelled');
  };
  const open = (what: string) => {
    if (epoch >= epochs) throw new UnlearnError('bad-config', `${who}: ${what} after the last epoch (${epochs}): the run is over`);
  };
  const phaseOf = (name: string): PhaseLoss => {
    if (typeof name !== 'string' || name === '') throw new UnlearnError('bad-config', `${who}: a phase needs a non-empty name`);
    let ph = phases.get(name);
    if (!ph) {
      ph = { host: seeds.map(() => 0), examples: 0 };
      phases.set(name, ph);
    }
    return ph;
  };
  const checkBatch = (b: Batch): number => {
    const B = b?.size;
    if (!b || !(b.indices instanceof Int32Array) || !Number.isInteger(B) || B < 1 || b.indices.length !== K * B) {
      throw new UnlearnError('bad-config', `${who}: a batch is { indices: Int32Array of K × size, size ≥ 1 } with K = ${K}`);
    }
    for (const i of b.indices) if (i < 0 || i >= train.n) throw new UnlearnError('bad-config', `${who}: batch index ${i} is outside the training split 0..${train.n - 1}`);
    return B;
  };
  const gather = (b: Batch, B: number) => {
    const idx = tf.tensor2d(b.indices, [K, B], 'int32');
    const flat = tf.reshape(idx, [K * B]);
    const x = tf.reshape(tf.gather(train.x, flat), [K, B, ...model.inputShape]);
    const y = tf.reshape(tf.gather(train.y, flat), [K, B]) as tf.Tensor2D;
    return { idx, x, y };
  };
  const implOf = (o: PluginOptimizer): Optimizer => {
    const found = optimizers.find((x) => x.handle === o);
    if (!found) throw new UnlearnError('bad-config', `${who}: step() needs an optimizer made by ctx.createOptimizer()`);
    return found.impl;
  };

  const ctx: UnlearnerContext = {
    tf,
    epochs,
    budgets,
    models: K,
    seeds: [...seeds],
    numClasses: model.numClasses,
    inputShape: model.inputShape,
    trainSize: train.n,
    forget,
    retain,
    labels: input.labels,
    data: { x: train.x, y: train.y },
    model: {
      paramNames: names,
      apply: (ps, x, training) => model.apply(ps, state, x, training).logits,
    },
    get params() {
      return params;
    },
    losses: { crossEntropy: (logits, labels) => crossEntropy(logits, labels, labels) },
    signal: input.signal,
    rng(label: string): PluginRng[] {
      return seeds.map((s) => new Rng(deriveSeed(s, 'plugin', p.id, String(label))));
    },
    batches(indices, batchSize, e, label = '') {
      if (!(indices instanceof Int32Array) || indices.length === 0) throw new UnlearnError('bad-config', `${who}: batches() needs a non-empty Int32Array of training indices`);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new UnlearnError('bad-config', `${who}: batch size must be a positive integer, got ${batchSize}`);
      const B = Math.min(batchSize, indices.length);
      const orders = seeds.map((s) => new Rng(deriveSeed(s, 'plugin', p.id, 'order', label, e)).shuffle(Int32Array.from(indices)));
      const out: Batch[] = [];
      for (let start = 0; start < indices.length; start += B) {
        const b = Math.min(B, indices.length - start);
        const flat = new Int32Array(K * b);
        for (let k = 0; k < K; k++) flat.set(orders[k].subarray(start, start + b), k * b);
        out.push({ indices: flat, size: b, fullSize: B });
      }
      return out;
    },
    gather(b) {
      const B = checkBatch(b);
      const g = gather(b, B);
      g.idx.dispose();
      return { x: g.x, y: g.y };
    },
    createOptimizer(o: OptimizerOptions): PluginOptimizer {
      if (o?.optimizer !== 'sgd' && o?.optimizer !== 'adam') throw new UnlearnError('bad-config', `${who}: optimizer must be "sgd" or "adam", got ${JSON.stringify(o?.optimizer)}`);
      if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new UnlearnError('bad-config', `${who}: lr must be a positive number, got ${o.lr}`);
      const options = { optimizer: o.optimizer, lr: o.lr, momentum: o.momentum ?? 0.9, weightDecay: o.weightDecay ?? (o.optimizer === 'sgd' ? 5e-4 : 0) };
      const handle: PluginOptimizer = { options };
      optimizers.push({ handle, impl: createOptimizer(options) });
      return handle;
    },
    step(o: StepOptions) {
      cancelled();
      open('step()');
      const B = checkBatch(o.batch);
      const impl = implOf(o.optimizer);
      if (typeof o.loss !== 'function') throw new UnlearnError('bad-config', `${who}: step() needs a loss function`);
      const ph = phaseOf(o.phase);
      const full = o.batch.fullSize ?? B;
      let newState: ModelState | undefined;
      const { grads, losses } = tf.tidy(() => {
        const { idx, x, y } = gather(o.batch, B);
        let perModel: tf.Tensor1D | undefined;
        const { grads: g } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
          const current: Params = Object.fromEntries(names.map((n, i) => [n, ps[i]]));
          const out = model.apply(current, state, x, true);
          if (out.state) newState = Object.fromEntries(Object.entries(out.state).map(([n, t]) => [n, tf.keep(t)]));
          const l = o.loss({ logits: out.logits, labels: y, indices: idx });
          if (!(l instanceof tf.Tensor) || l.rank !== 1 || l.shape[0] !== K) {
            throw new UnlearnError('bad-config', `${who}: the loss must be a per-model tensor of shape [${K}], got ${l instanceof tf.Tensor ? `[${l.shape.join(', ')}]` : typeof l}`);
          }
          perModel = tf.keep(l);
          // As the built-in trainer: a short batch takes a proportionally shorter step.
          return B === full ? tf.sum(l) : tf.mul(tf.sum(l), B / full);
        })(names.map((n) => params[n]));
        return { grads: Object.fromEntries(names.map((n, i) => [n, g[i]])) as Params, losses: perModel as tf.Tensor1D };
      });
      params = impl.step(params, grads, o.lr ?? o.optimizer.options.lr);
      if (newState) {
        disposeAll(state);
        state = newState;
      }
      const prev = ph.device;
      ph.device = tf.tidy(() => (prev ? tf.add(prev, tf.mul(losses, B)) : tf.mul(losses, B)) as tf.Tensor1D);
      prev?.dispose();
      losses.dispose();
      ph.examples += B;
      backward += B;
      steps += 1;
    },
    forward(b) {
      cancelled();
      const B = checkBatch(b);
      forwardOnly += B;
      return tf.tidy(() => {
        const { x } = gather(b, B);
        return model.apply(params, state, x, false).logits;
      });
    },
    setParams(next) {
      open('setParams()');
      if (next === null || typeof next !== 'object') throw new UnlearnError('bad-config', `${who}: setParams() needs an object of tensors named ${names.join(', ')}`);
      const given = Object.keys(next);
      const missing = names.filter((n) => !(next[n] instanceof tf.Tensor));
      const extra = given.filter((n) => !names.includes(n));
      if (missing.length || extra.length) throw new UnlearnError('bad-config', `${who}: setParams() needs exactly the tensors ${names.join(', ')}${missing.length ? `; missing ${missing.join(', ')}` : ''}${extra.length ? `; unknown ${extra.join(', ')}` : ''}`);
      for (const n of names) {
        const a = next[n];
        const b = params[n];
        if (a.dtype !== 'float32' || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
          throw new UnlearnError('bad-config', `${who}: setParams(): ${n} must be float32 [${b.shape.join(', ')}], got ${a.dtype} [${a.shape.join(', ')}]`);
        }
      }
      const keep = new Set(names.map((n) => next[n]));
      for (const n of names) if (!keep.has(params[n])) params[n].dispose();
      params = Object.fromEntries(names.map((n) => [n, next[n]]));
    },
    addCost(w) {
      const f = (v: number | undefined, what: string) => {
        if (v === undefined) return 0;
        if (!Number.isFinite(v) || v < 0) throw new UnlearnError('bad-config', `${who}: addCost(): ${what} must be a finite number ≥ 0, got ${v}`);
        return v;
      };
      backward += f(w?.backwardExamples, 'backwardExamples');
      forwardOnly += f(w?.forwardOnlyExamples, 'forwardOnlyExamples');
    },
    reportLoss(phase, lossPerModel, examples = 1) {
      open('reportLoss()');
      if (!Array.isArray(lossPerModel) || lossPerModel.length !== K) throw new UnlearnError('bad-config', `${who}: reportLoss() needs one loss per model (${K})`);
      if (!(examples > 0)) throw new UnlearnError('bad-config', `${who}: reportLoss(): examples must be positive`);
      const ph = phaseOf(phase);
      lossPerModel.forEach((l, k) => (ph.host[k] += Number(l) * examples));
      ph.examples += examples;
    },
    async endEpoch() {
      open('endEpoch()');
      for (const [name, ph] of phases) {
        const dev = ph.device ? Array.from(await ph.device.data()) : undefined;
        ph.device?.dispose();
        const loss = ph.host.map((h, k) => (h + (dev?.[k] ?? 0)) / ph.examples);
        lossTrace.push({ epoch, phase: name, loss });
        loss.forEach((l, k) => {
          if (!Number.isFinite(l) && divergedAtEpoch[k] === null) divergedAtEpoch[k] = epoch;
        });
      }
      phases.clear();
      (await weightsFinitePerModel(params, K)).forEach((ok, k) => {
        if (!ok && divergedAtEpoch[k] === null) divergedAtEpoch[k] = epoch;
      });
      epoch += 1;
      if (budgets.includes(epoch)) {
        await input.onCheckpoint?.({ epochs: epoch, steps, cost: costOf(backward, forwardOnly, retain.length, input.retrainEpochs), params, state, divergedAtEpoch: [...divergedAtEpoch], lossTrace: [...lossTrace] });
      }
      if (input.onProgress) {
        const elapsed = (performance.now() - started) / 1000;
        const rate = epoch / Math.max(elapsed, 1e-9);
        const last = lossTrace.filter((x) => x.epoch === epoch - 1).flatMap((x) => x.loss);
        input.onProgress({
          epoch: epoch - 1,
          epochs,
          step: steps,
          totalSteps: Math.round((steps / epoch) * epochs),
          loss: last.length ? last.reduce((a, b) => a + b, 0) / last.length : NaN,
          examplesPerSecond: (backward * K) / Math.max(elapsed, 1e-9),
          etaSeconds: (epochs - epoch) / rate,
        });
      }
      await new Promise((r) => setImmediate(r));
      cancelled();
    },
  };

  try {
    try {
      await p.plugin.unlearn(ctx);
    } catch (e) {
      if (e instanceof UnlearnError) throw e;
      throw new UnlearnError('bad-config', `${who} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (epoch !== epochs) throw new UnlearnError('bad-config', `${who} returned after ${epoch} of ${epochs} epochs: call \`await ctx.endEpoch()\` once at the end of every epoch`);
    for (const o of optimizers.splice(0)) o.impl.dispose();
    const leaked = tf.memory().numTensors - tensorsAtStart;
    if (leaked > 0) log.warn(`${who} left ${leaked} tensors undisposed: wrap its tensor work in ctx.tf.tidy`);
    return {
      epochs,
      steps,
      cost: costOf(backward, forwardOnly, retain.length, input.retrainEpochs),
      params,
      state,
      divergedAtEpoch,
      lossTrace,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (e) {
    disposeAll(params, state);
    throw e;
  } finally {
    for (const ph of phases.values()) ph.device?.dispose();
    for (const o of optimizers) o.impl.dispose();
  }
}
