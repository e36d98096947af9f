/**
 * Applies one unlearner to every stored original of an ensemble, group by group (the groups
 * the originals were trained in, loaded from their params/*.npy), each model with its own
 * seed, and records at every budget the unlearned models' margins on all training and
 * validation points, their accuracy per split and which of them diverged. Each group is a
 * unit in the store (group.ts), run in worker processes where the backend gains from them,
 * so a cancelled or killed run resumes from the groups done.
 */
import { initBackend } from '../backend/select';
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import { marginsFromLogits } from '../eval/margin';
import type { ModelSpec } from '../models';
import { runPendingGroups, workerCount } from '../parallel/pool';
import type { EnsembleResult } from '../recipes/ensemble';
import type { Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import type { TrainProgress } from '../train/trainer';
import { readUnlearnedGroup, splitAccuracy, UNLEARNED_GROUPS_KIND, unlearnGroup, unlearnGroupKey, type AccuracyBySplit, type UnlearnGroupJob } from './group';
import type { LoadedPlugin } from './plugin-loader';
import type { LossTraceEntry, UnlearnCost } from './run';
import type { MethodId, MethodSettings } from './settings';

export { loadGroupWeights, splitAccuracy, type AccuracyBySplit } from './group';

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

function meanAcc(xs: AccuracyBySplit[]): AccuracyBySplit {
  const m = (k: keyof AccuracyBySplit) => xs.reduce((a, x) => a + x[k], 0) / xs.length;
  return { forget: m('forget'), retain: m('retain'), validation: m('validation') };
}

export async function unlearnOriginals(
  req: UnlearnOriginalsRequest,
  store: Store,
  opts: { signal?: AbortSignal; onProgress?: (p: UnlearnOriginalsProgress) => void; workers?: number } = {},
): Promise<UnlearnOriginalsResult> {
  const ds = req.dataset;
  const P = ds.train.n + ds.validation.n;
  const N = req.originals.manifest.seeds.length;
  const backend = await initBackend();
  const started = performance.now();
  const groups = req.originals.manifest.groups;
  const firstRow: number[] = [];
  let rows = 0;
  for (const g of groups) {
    firstRow.push(rows);
    rows += g.seeds.length;
  }
  if (rows !== N) throw new UnlearnError('io', `originals ensemble lists ${rows} models in its groups, expected ${N}`);
  const job = (i: number): UnlearnGroupJob => ({
    dataset: ds,
    model: req.model,
    config: req.config,
    method: req.method,
    settings: req.settings,
    forget: req.forget,
    group: { seeds: groups[i].seeds, modelsKey: groups[i].modelsKey },
    budgets: req.budgets,
    targets: req.targets?.(Array.from({ length: groups[i].seeds.length }, (_, k) => firstRow[i] + k)),
    plugin: req.plugin && { file: req.plugin.file, sha256: req.plugin.sha256, budgets: req.plugin.budgets },
  });
  // A group's job (with its targets) is made for its key and again when it runs, so that only
  // the groups in flight hold their targets: memory stays bounded as N and the data grow.
  const keys = groups.map((_, i) => unlearnGroupKey(job(i), backend.key));
  const pending = keys.map((_, i) => i).filter((i) => !store.has(UNLEARNED_GROUPS_KIND, keys[i]));
  let modelsDone = N - pending.reduce((a, i) => a + groups[i].seeds.length, 0);
  // Plug-ins run in this process: their module is loaded here (a worker would have to import and re-check user code).
  const workers = req.plugin ? 1 : Math.min(opts.workers ?? workerCount(backend.name), pending.length);
  await runPendingGroups(
    pending.length,
    { workers, backend: backend.name, storeRoot: store.root, signal: opts.signal },
    (t) => ({ kind: 'unlearn', job: job(pending[t]) }),
    (t, onProgress) => unlearnGroup(job(pending[t]), store, { plugin: req.plugin, signal: opts.signal, onProgress }),
    (p) => opts.onProgress?.({ ...p, modelsDone, modelsTotal: N }),
    (t) => (modelsDone += groups[pending[t]].seeds.length),
  );

  // Assemble the N models' rows group by group (summation order as before: models in order).
  const outcomes = new Map<number, { steps: number; cost: UnlearnCost; margins: Float32Array; diverged: Array<number | null>; acc: AccuracyBySplit[]; trace: LossTraceEntry[][] }>();
  keys.forEach((key, i) => {
    for (const b of readUnlearnedGroup(store, key)) {
      let o = outcomes.get(b.epochs);
      if (!o) {
        o = { steps: b.steps, cost: b.cost, margins: new Float32Array(N * P), diverged: Array.from({ length: N }, () => null), acc: [], trace: [] };
        outcomes.set(b.epochs, o);
      }
      o.margins.set(b.margins, firstRow[i] * P);
      b.divergedAtEpoch.forEach((d, k) => (o.diverged[firstRow[i] + k] = d));
      o.acc.push(...b.accuracy);
      o.trace.push(b.lossTrace);
    }
  });
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
