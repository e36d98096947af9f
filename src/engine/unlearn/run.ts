/**
 * One interface for every unlearner that changes weights: K trained models (stacked) + F + R +
 * settings + one seed per model → K unlearned models, their cost in examples processed
 * (SPEC §3) and a per-epoch loss trace. Every method is a plan of passes ("phases") per epoch,
 * each pass one call of the batched trainer with its own index subsets and objective; one
 * optimizer carries its state across passes, so alternating ascent/descent behaves as one run.
 * Budgets are read off one run at the end of the epochs they name (the schedules used here
 * depend on the epoch only, so a 5-epoch run is the first 5 epochs of a 20-epoch run).
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnlearnError } from '../errors';
import type { ModelDef, ModelState, Params } from '../models/types';
import type { TrainConfig } from '../train/config';
import { createOptimizer } from '../train/optimizer';
import type { Objective } from '../train/gradients';
import { trainEnsemble, type DeviceData, type TrainProgress } from '../train/trainer';
import { Rng } from '../util/rng';
import { deriveSeed } from '../util/seed';
import { crossEntropy, mseToTargets, negCrossEntropy, negGradPlus, scrubMax, scrubMin } from './objectives';
import { settingsFor, type MethodId, type MethodSettings } from './settings';

export interface UnlearnCost {
  /** Examples through forward+backward (1 each), per model. */
  backwardExamples: number;
  /** Examples through a forward pass only (1/3 each), per model (SCRUB's teacher). */
  forwardOnlyExamples: number;
  /** backward + forwardOnly / 3. */
  examples: number;
  /** examples / (|R| × epochs of training one model from scratch). */
  fraction: number;
}

export function costOf(backwardExamples: number, forwardOnlyExamples: number, retainSize: number, retrainEpochs: number): UnlearnCost {
  const examples = backwardExamples + forwardOnlyExamples / 3;
  return { backwardExamples, forwardOnlyExamples, examples, fraction: examples / (retainSize * retrainEpochs) };
}

export interface LossTraceEntry {
  /** 0-based epoch of the unlearning run. */
  epoch: number;
  /** Which pass of the epoch: `descent-R`, `ascent-F`, `max-F`, `min-R`, `match`, … */
  phase: string;
  /** Mean loss of the pass, per model. */
  loss: number[];
}

export interface UnlearnInput {
  method: MethodId;
  settings: MethodSettings;
  model: ModelDef;
  /** The training split on the backend; every index below refers to it. */
  train: DeviceData;
  /** K trained models, stacked; not modified. Retrain ignores them. */
  initial: { params: Params; state: ModelState };
  /** One seed per model: its data order and any sampling of R. */
  seeds: readonly number[];
  forget: Int32Array;
  retain: Int32Array;
  /** OM / DMM: target logits on the training points, [K, n, C] when perModel, else [n, C]. */
  targets?: { data: Float32Array; perModel: boolean };
  /** SCRUB: the frozen teacher's (the original's) logits on the training points, [K, n, C]. */
  teacherLogits?: Float32Array;
  /** Retrain: the recipe that trained the originals. */
  retrainConfig?: TrainConfig;
  /** Cost 1.0 = |R| × this many epochs (the originals' recipe). */
  retrainEpochs: number;
  /** Epoch counts to report at (default: the method's budgets); the largest is run. */
  budgets?: readonly number[];
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  /** After each budget's epoch; the weights belong to the runner (copy what you keep). */
  onCheckpoint?: (c: UnlearnCheckpoint) => Promise<void> | void;
}

export interface UnlearnCheckpoint {
  epochs: number;
  /** Optimiser steps taken so far (per model; all models take the same number). */
  steps: number;
  cost: UnlearnCost;
  params: Params;
  state: ModelState;
  /** Per model: the 0-based epoch where loss or weights became non-finite, else null. */
  divergedAtEpoch: Array<number | null>;
  lossTrace: LossTraceEntry[];
}

export interface UnlearnResult extends UnlearnCheckpoint {
  seconds: number;
}

interface Phase {
  name: string;
  subsets: Int32Array[];
  objective: Objective;
  batchSize: number;
  /** Forward-only passes per example (a frozen teacher's), counted at 1/3. */
  forwardOnly: number;
}

/** Methods that change weights (DM-Direct predicts logits instead: see datamodel-direct.ts). */
export const TRAINING_METHODS: readonly MethodId[] = ['gd', 'ga', 'gdga', 'neggrad-plus', 'scrub', 'om', 'om-pm', 'dmm', 'dmm-trak', 'retrain'];

/** The fine-tuning set of OM/DMM: F repeated, plus a seeded draw of multiplier·|F| points of R. */
export function matchingSubset(seed: number, forget: Int32Array, retain: Int32Array, forgetRepeat: number, retainMultiplier: number): Int32Array {
  const nR = Math.min(retain.length, Math.round(retainMultiplier * forget.length));
  const pick = new Rng(deriveSeed(seed, 'matching-retain')).sampleWithoutReplacement(retain.length, nR);
  const out = new Int32Array(forget.length * forgetRepeat + nR);
  for (let r = 0; r < forgetRepeat; r++) out.set(forget, r * forget.length);
  for (let i = 0; i < nR; i++) out[forget.length * forgetRepeat + i] = retain[pick[i]];
  return out;
}

function same<T>(K: number, v: T): T[] {
  return Array.from({ length: K }, () => v);
}

export async function runUnlearner(input: UnlearnInput): Promise<UnlearnResult> {
  const { method, model, train, seeds, forget, retain } = input;
  const K = seeds.length;
  if (K === 0) throw new UnlearnError('bad-config', 'no models to unlearn');
  if (forget.length === 0) throw new UnlearnError('bad-forget-set', 'the forget set is empty');
  if (retain.length === 0) throw new UnlearnError('bad-forget-set', 'the retain set is empty');
  if (!TRAINING_METHODS.includes(method)) throw new UnlearnError('bad-config', `${method} does not train; use datamodelDirectLogits`);
  const n = train.n;
  const C = model.numClasses;
  const owned: tf.Tensor[] = [];
  const table = (data: Float32Array, perModel: boolean, what: string): tf.Tensor2D => {
    const rows = perModel ? K * n : n;
    if (data.length !== rows * C) throw new UnlearnError('bad-config', `${method}: ${what} hold ${data.length} values, expected ${perModel ? `K × n × C = ${K} × ${n} × ${C}` : `n × C = ${n} × ${C}`}`);
    const t = tf.tensor2d(data, [rows, C]);
    owned.push(t);
    return t;
  };

  let cfg: TrainConfig;
  let epochs: number;
  let budgets: number[];
  let plan: (epoch: number) => Phase[];
  let fresh = false;
  const seedsFor = (phase: string) => seeds.map((s) => deriveSeed(s, method, phase));
  const s = settingsFor(input.settings, method);
  if (method === 'retrain') {
    if (!input.retrainConfig) throw new UnlearnError('bad-config', 'retrain needs the recipe (retrainConfig)');
    cfg = input.retrainConfig;
    epochs = cfg.epochs;
    budgets = [epochs];
    fresh = true;
    const p: Phase = { name: 'train-R', subsets: same(K, retain), objective: crossEntropy, batchSize: cfg.batchSize, forwardOnly: 0 };
    plan = () => [p];
  } else {
    if (!s) throw new UnlearnError('bad-config', `no settings for ${method}`);
    cfg = { optimizer: s.optimizer, lr: s.lr, momentum: s.momentum, weightDecay: s.weightDecay, batchSize: s.batchSize, epochs: 1, schedule: s.schedule };
    budgets = [...(input.budgets ?? s.budgets)].sort((a, b) => a - b);
    epochs = budgets[budgets.length - 1];
    const st = input.settings;
    switch (method) {
      case 'gd': {
        const p: Phase = { name: 'descent-R', subsets: same(K, retain), objective: crossEntropy, batchSize: s.batchSize, forwardOnly: 0 };
        plan = () => [p];
        break;
      }
      case 'ga': {
        const p: Phase = { name: 'ascent-F', subsets: same(K, forget), objective: negCrossEntropy, batchSize: s.batchSize, forwardOnly: 0 };
        plan = () => [p];
        break;
      }
      case 'gdga': {
        const asc: Phase = { name: 'ascent-F', subsets: same(K, forget), objective: negCrossEntropy, batchSize: st.gdga.forgetBatchSize ?? s.batchSize, forwardOnly: 0 };
        const desc: Phase = { name: 'descent-R', subsets: same(K, retain), objective: crossEntropy, batchSize: s.batchSize, forwardOnly: 0 };
        plan = (e) => (e < st.gdga.ascentEpochs ? [asc, desc] : [desc]);
        break;
      }
      case 'neggrad-plus': {
        const mask = new Float32Array(n);
        for (const i of forget) mask[i] = 1;
        const isForget = tf.tensor1d(mask);
        owned.push(isForget);
        const all = new Int32Array(retain.length + forget.length);
        all.set(retain, 0);
        all.set(forget, retain.length);
        const p: Phase = { name: 'mixed-RF', subsets: same(K, all), objective: negGradPlus(isForget, st['neggrad-plus'].beta), batchSize: s.batchSize, forwardOnly: 0 };
        plan = () => [p];
        break;
      }
      case 'scrub': {
        if (!input.teacherLogits) throw new UnlearnError('bad-config', 'SCRUB needs the teacher logits');
        const teacher = table(input.teacherLogits, true, 'teacher logits');
        const sc = st.scrub;
        const max: Phase = { name: 'max-F', subsets: same(K, forget), objective: scrubMax(teacher, n, sc.temperature), batchSize: sc.forgetBatchSize, forwardOnly: 1 };
        const min: Phase = { name: 'min-R', subsets: same(K, retain), objective: scrubMin(teacher, n, sc.temperature, sc.alpha, sc.gamma), batchSize: s.batchSize, forwardOnly: 1 };
        plan = (e) => (e < sc.maxSteps ? [max, min] : [min]);
        break;
      }
      case 'om':
      case 'om-pm':
      case 'dmm':
      case 'dmm-trak': {
        if (!input.targets) throw new UnlearnError('bad-config', `${method} needs target logits`);
        const targets = table(input.targets.data, input.targets.perModel, 'targets');
        const m = method === 'om' || method === 'om-pm' ? st.om : st.dmm;
        const subsets = seeds.map((sd) => matchingSubset(sd, forget, retain, m.forgetRepeat, m.retainMultiplier));
        const p: Phase = { name: 'match', subsets, objective: mseToTargets(targets, input.targets.perModel, n), batchSize: s.batchSize, forwardOnly: 0 };
        plan = () => [p];
        break;
      }
      default:
        throw new UnlearnError('bad-config', `unknown method ${method}`);
    }
  }

  let totalSteps = 0;
  for (let e = 0; e < epochs; e++) for (const p of plan(e)) totalSteps += Math.ceil(p.subsets[0].length / Math.min(p.batchSize, p.subsets[0].length));

  const started = performance.now();
  const optimizer = createOptimizer(cfg);
  let current = fresh ? model.init(seeds) : input.initial;
  let own = fresh;
  const divergedAtEpoch: Array<number | null> = same(K, null);
  const lossTrace: LossTraceEntry[] = [];
  let steps = 0;
  let backward = 0;
  let forwardOnly = 0;
  let result: UnlearnResult | undefined;
  try {
    let b = 0;
    for (let e = 0; e < epochs; e++) {
      for (const p of plan(e)) {
        const before = steps;
        const r = await trainEnsemble({
          model,
          data: train,
          seeds: fresh ? seeds : seedsFor(p.name),
          subsets: p.subsets,
          config: { ...cfg, batchSize: p.batchSize, epochs: 1 },
          initial: current,
          objective: p.objective,
          optimizer,
          epochOffset: e,
          signal: input.signal,
          onProgress: input.onProgress ? (q) => input.onProgress?.({ ...q, epoch: e, epochs, step: before + q.step, totalSteps }) : undefined,
        });
        if (own) for (const t of [...Object.values(current.params), ...Object.values(current.state)]) t.dispose();
        current = { params: r.params, state: r.state };
        own = true;
        steps += r.steps;
        backward += r.examplesPerModel;
        forwardOnly += r.examplesPerModel * p.forwardOnly;
        lossTrace.push({ epoch: e, phase: p.name, loss: r.lossHistory.map((h) => h[0]) });
        r.divergedAtEpoch.forEach((d, k) => {
          if (d !== null && divergedAtEpoch[k] === null) divergedAtEpoch[k] = e;
        });
      }
      if (b < budgets.length && budgets[b] === e + 1) {
        b++;
        const c: UnlearnCheckpoint = {
          epochs: e + 1,
          steps,
          cost: costOf(backward, forwardOnly, retain.length, input.retrainEpochs),
          params: current.params,
          state: current.state,
          divergedAtEpoch: [...divergedAtEpoch],
          lossTrace: [...lossTrace],
        };
        await input.onCheckpoint?.(c);
      }
    }
    result = {
      epochs,
      steps,
      cost: costOf(backward, forwardOnly, retain.length, input.retrainEpochs),
      params: current.params,
      state: current.state,
      divergedAtEpoch,
      lossTrace,
      seconds: (performance.now() - started) / 1000,
    };
    if (!own) {
      // Zero epochs never happen (budgets are positive), but never hand back the caller's tensors.
      result.params = Object.fromEntries(Object.entries(current.params).map(([k, t]) => [k, tf.clone(t)]));
      result.state = Object.fromEntries(Object.entries(current.state).map(([k, t]) => [k, tf.clone(t)]));
    }
    return result;
  } catch (e) {
    if (own) for (const t of [...Object.values(current.params), ...Object.values(current.state)]) t.dispose();
    throw e;
  } finally {
    optimizer.dispose();
    for (const t of owned) t.dispose();
  }
}
