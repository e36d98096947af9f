/**
 * Applies one unlearner to every stored original of an ensemble, group by group (the groups
 * the originals were trained in, loaded from their params/*.npy), each model with its own
 * seed, and records at every budget the unlearned models' margins on all training and
 * validation points, their accuracy per split and which of them diverged.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import { nonFiniteRows } from '../eval/klom';
import { marginsFromLogits } from '../eval/margin';
import { buildModel, type ModelDef, type ModelSpec, type ModelState, type Params } from '../models';
import { ENSEMBLES_KIND, type EnsembleResult } from '../recipes/ensemble';
import { MODELS_KIND } from '../recipes/train-models';
import type { Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import { predictLogits, toDevice } from '../train/predict';
import type { TrainProgress } from '../train/trainer';
import type { LoadedPlugin } from './plugin-loader';
import { runPluginUnlearner } from './plugin-run';
import { runUnlearner, type LossTraceEntry, type UnlearnCheckpoint, type UnlearnCost } from './run';
import type { MethodId, MethodSettings } from './settings';

/** A built-in method, or a loaded plug-in (its id as the method). */
export type UnlearnOriginalsRequest = UnlearnOriginalsCommon & ({ method: MethodId; plugin?: undefined } | { method: string; plugin: LoadedPlugin });

interface UnlearnOriginalsCommon {
  dataset: Dataset;
  model: ModelSpec;
  /** The originals' recipe: cost 1.0 is |R| × its epochs; Retrain uses it. */
  config: TrainConfig;
  originals: EnsembleResult;
  settings: MethodSettings;
  forget: Int32Array;
  /** OM / DMM targets on the training points for the originals at these rows of the ensemble. */
  targets?: (rows: number[]) => { data: Float32Array; perModel: boolean };
  budgets?: number[];
}

export interface AccuracyBySplit {
  forget: number;
  retain: number;
  validation: number;
}

export interface BudgetOutcome {
  epochs: number;
  steps: number;
  cost: UnlearnCost;
  /** [N × P] margins of the unlearned models (P = train + val points). */
  margins: Float32Array;
  /** Per model: epoch (0-based) where it diverged, else null; non-finite outputs count too. */
  divergedAtEpoch: Array<number | null>;
  /** Mean over models. */
  accuracy: AccuracyBySplit;
  /** Mean over models of each pass's loss, per epoch. */
  lossTrace: Array<{ epoch: number; phase: string; loss: number }>;
}

export interface UnlearnOriginalsResult {
  budgets: BudgetOutcome[];
  seconds: number;
}

export type UnlearnOriginalsProgress = TrainProgress & { modelsDone: number; modelsTotal: number };

export function loadGroupWeights(store: Store, modelsKey: string, model: ModelDef): { params: Params; state: ModelState } {
  const manifest = store.readManifest(MODELS_KIND, modelsKey);
  if (!manifest) throw new UnlearnError('not-found', `stored models ${modelsKey} are missing`);
  const arrays = Object.keys((manifest.arrays ?? {}) as Record<string, unknown>);
  if (!arrays.some((a) => a.startsWith('params/'))) throw new UnlearnError('not-found', `stored models ${modelsKey} have no weights (trained with saveWeights false)`);
  const load = (name: string) => {
    const a = store.readArray(MODELS_KIND, modelsKey, name);
    return tf.tensor(a.data as Float32Array, a.shape, 'float32');
  };
  const params: Params = Object.fromEntries(model.paramNames.map((n) => [n, load(`params/${n}.npy`)]));
  const state: ModelState = Object.fromEntries(arrays.filter((a) => a.startsWith('state/')).map((a) => [a.slice(6, -4), load(a)]));
  return { params, state };
}

export function splitAccuracy(logits: Float32Array, P: number, C: number, labels: Int32Array, nTrain: number, forget: Int32Array): AccuracyBySplit {
  const inF = new Uint8Array(nTrain);
  for (const i of forget) inF[i] = 1;
  let f = 0;
  let r = 0;
  let v = 0;
  for (let i = 0; i < P; i++) {
    const y = labels[i];
    let best = 0;
    for (let c = 1; c < C; c++) if (logits[i * C + c] > logits[i * C + best]) best = c;
    const ok = Number.isFinite(logits[i * C + y]) && best === y ? 1 : 0;
    if (i >= nTrain) v += ok;
    else if (inF[i]) f += ok;
    else r += ok;
  }
  return { forget: f / forget.length, retain: r / (nTrain - forget.length), validation: v / (P - nTrain) };
}

function meanAcc(xs: AccuracyBySplit[]): AccuracyBySplit {
  const m = (k: keyof AccuracyBySplit) => xs.reduce((a, x) => a + x[k], 0) / xs.length;
  return { forget: m('forget'), retain: m('retain'), validation: m('validation') };
}

export async function unlearnOriginals(
  req: UnlearnOriginalsRequest,
  store: Store,
  opts: { signal?: AbortSignal; onProgress?: (p: UnlearnOriginalsProgress) => void } = {},
): Promise<UnlearnOriginalsResult> {
  const ds = req.dataset;
  const nT = ds.train.n;
  const nV = ds.validation.n;
  const P = nT + nV;
  const model = buildModel(req.model, ds.inputShape, ds.classNames.length);
  const C = model.numClasses;
  const N = req.originals.manifest.seeds.length;
  const labels = new Int32Array(P);
  labels.set(ds.train.y, 0);
  labels.set(ds.validation.y, nT);
  const inF = new Uint8Array(nT);
  for (const i of req.forget) inF[i] = 1;
  const retain = Int32Array.from({ length: nT }, (_, i) => i).filter((i) => !inF[i]);
  const needsTeacher = req.method === 'scrub';
  const origLogits = needsTeacher ? (store.readArray(ENSEMBLES_KIND, req.originals.key, 'logits.npy').data as Float32Array) : undefined;

  const started = performance.now();
  const train = toDevice(ds.train.x, ds.train.y, nT, ds.inputShape);
  const all = tf.tidy(() => tf.concat([train.x, tf.tensor(ds.validation.x, [nV, ...ds.inputShape], 'float32')]));
  const outcomes = new Map<number, { steps: number; cost: UnlearnCost; margins: Float32Array; diverged: Array<number | null>; acc: AccuracyBySplit[]; trace: LossTraceEntry[][] }>();
  let row = 0;
  try {
    for (const g of req.originals.manifest.groups) {
      const K = g.seeds.length;
      const rows = Array.from({ length: K }, (_, k) => row + k);
      const initial = loadGroupWeights(store, g.modelsKey, model);
      let teacherLogits: Float32Array | undefined;
      if (origLogits) {
        teacherLogits = new Float32Array(K * nT * C);
        for (let k = 0; k < K; k++) teacherLogits.set(origLogits.subarray((row + k) * P * C, ((row + k) * P + nT) * C), k * nT * C);
      }
      const groupRow = row;
      try {
        const common = {
          model,
          train,
          initial,
          seeds: g.seeds,
          forget: req.forget,
          retain,
          retrainEpochs: req.config.epochs,
          budgets: req.budgets,
          signal: opts.signal,
          onProgress: opts.onProgress ? (p: TrainProgress) => opts.onProgress?.({ ...p, modelsDone: groupRow, modelsTotal: N }) : undefined,
          onCheckpoint: async (c: UnlearnCheckpoint) => {
            const logits = await predictLogits(model, c.params, c.state, all);
            let o = outcomes.get(c.epochs);
            if (!o) {
              o = { steps: c.steps, cost: c.cost, margins: new Float32Array(N * P), diverged: Array.from({ length: N }, () => null), acc: [], trace: [] };
              outcomes.set(c.epochs, o);
            }
            for (let k = 0; k < K; k++) {
              const lk = logits.subarray(k * P * C, (k + 1) * P * C);
              o.margins.set(marginsFromLogits(lk, P, C, labels), (groupRow + k) * P);
              o.acc.push(splitAccuracy(lk, P, C, labels, nT, req.forget));
              o.diverged[groupRow + k] = c.divergedAtEpoch[k];
            }
            const bad = nonFiniteRows(o.margins.subarray(groupRow * P, (groupRow + K) * P), P);
            bad.forEach((b, k) => {
              if (b && o.diverged[groupRow + k] === null) o.diverged[groupRow + k] = c.epochs - 1;
            });
            o.trace.push(c.lossTrace);
          },
        };
        const r = req.plugin
          ? await runPluginUnlearner(req.plugin, { ...common, labels: ds.train.y })
          : await runUnlearner({ ...common, method: req.method, settings: req.settings, targets: req.targets?.(rows), teacherLogits, retrainConfig: req.config });
        for (const t of [...Object.values(r.params), ...Object.values(r.state)]) t.dispose();
      } finally {
        for (const t of [...Object.values(initial.params), ...Object.values(initial.state)]) t.dispose();
      }
      row += K;
    }
  } finally {
    for (const t of [train.x, train.y, all]) t.dispose();
  }
  if (row !== N) throw new UnlearnError('io', `originals ensemble lists ${row} models in its groups, expected ${N}`);
  const budgets: BudgetOutcome[] = [...outcomes.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epochs, o]) => ({
      epochs,
      steps: o.steps,
      cost: o.cost,
      margins: o.margins,
      divergedAtEpoch: o.diverged,
      accuracy: meanAcc(o.acc),
      lossTrace: meanTrace(o.trace),
    }));
  return { budgets, seconds: (performance.now() - started) / 1000 };
}

/** Mean over every model (in every group) of each (epoch, pass) loss; NaN stays NaN. */
function meanTrace(groups: LossTraceEntry[][]): Array<{ epoch: number; phase: string; loss: number }> {
  if (groups.length === 0) return [];
  return groups[0].map((e, i) => {
    const vals = groups.flatMap((g) => g[i].loss);
    return { epoch: e.epoch, phase: e.phase, loss: vals.reduce((a, b) => a + b, 0) / vals.length };
  });
}

/** DM-Direct (SPEC §4): predicted retrained logits f_θ(x) − Σ_{i∈F} β_i(x), for every stored original. */
export function datamodelDirectLogits(originalLogits: Float32Array, N: number, P: number, C: number, sumForget: Float64Array): Float32Array {
  if (originalLogits.length !== N * P * C) throw new UnlearnError('bad-config', `original logits hold ${originalLogits.length} values, expected ${N} × ${P} × ${C}`);
  if (sumForget.length !== P * C) throw new UnlearnError('bad-config', `Σβ over F holds ${sumForget.length} values, expected ${P} × ${C}`);
  const out = new Float32Array(N * P * C);
  for (let k = 0; k < N; k++) {
    const off = k * P * C;
    for (let d = 0; d < P * C; d++) out[off + d] = originalLogits[off + d] - sumForget[d];
  }
  return out;
}

/** Per-model margins and split accuracies of a stack of logits [N × P × C]. */
export function scoreLogits(logits: Float32Array, N: number, P: number, C: number, labels: Int32Array, nTrain: number, forget: Int32Array): { margins: Float32Array; accuracy: AccuracyBySplit } {
  const margins = new Float32Array(N * P);
  const acc: AccuracyBySplit[] = [];
  for (let k = 0; k < N; k++) {
    const lk = logits.subarray(k * P * C, (k + 1) * P * C);
    margins.set(marginsFromLogits(lk, P, C, labels), k * P);
    acc.push(splitAccuracy(lk, P, C, labels, nTrain, forget));
  }
  return { margins, accuracy: meanAcc(acc) };
}
