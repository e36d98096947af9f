/**
 * One unit of unlearning work: one method applied to one stored group of originals (the group
 * the originals were trained in). The group's margins, accuracies, divergence and loss trace at
 * every budget are written to the store as one artifact (kind `unlearned-groups`), atomically,
 * so a killed or cancelled comparison resumes from the groups already done and a worker process
 * needs nothing but the store and the job. Targets travel with the job, this group's rows only;
 * SCRUB's teacher is read from the group's own stored logits.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import { initBackend } from '../backend/select';
import { UnlearnError } from '../errors';
import { nonFiniteRows } from '../eval/klom';
import { marginsFromLogits } from '../eval/margin';
import { buildModel, type ModelDef, type ModelSpec, type ModelState, type Params } from '../models';
import { MODELS_KIND } from '../recipes/train-models';
import type { NpyArray } from '../store/npy';
import { contentKey } from '../store/hash';
import type { ArtifactManifest, Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import { predictLogits, toDevice } from '../train/predict';
import type { TrainProgress } from '../train/trainer';
import type { LoadedPlugin } from './plugin-loader';
import { runPluginUnlearner } from './plugin-run';
import { runUnlearner, type LossTraceEntry, type UnlearnCheckpoint, type UnlearnCost } from './run';
import { settingsFor, type MethodId, type MethodSettings } from './settings';
import { ENGINE_VERSION } from '../version';

export const UNLEARNED_GROUPS_KIND = 'unlearned-groups';
/** Part of every group's key: bump when a change alters what a stored group holds. */
const GROUP_REVISION = 1;

export interface AccuracyBySplit {
  forget: number;
  retain: number;
  validation: number;
}

/** Everything one group needs, structured-clonable so it can be sent to a worker process. */
export interface UnlearnGroupJob {
  dataset: Dataset;
  model: ModelSpec;
  /** The originals' recipe: cost 1.0 is |R| × its epochs. */
  config: TrainConfig;
  /** A built-in method, or a plug-in's id (the plug-in itself is passed beside the job, in-process). */
  method: string;
  settings: MethodSettings;
  /** Sorted training indices of F. */
  forget: Int32Array;
  group: { seeds: number[]; modelsKey: string };
  budgets?: number[];
  /** OM / DMM targets on the training points for this group's models: [K, n, C] when perModel, else [n, C]. */
  targets?: { data: Float32Array; perModel: boolean };
  /** The plug-in's identity, when `method` is one (its module is not part of the job). */
  plugin?: { file: string; sha256: string; budgets: number[] };
}

/** One budget of a stored group, as JSON in its manifest (per-model numbers are in .npy files). */
interface StoredBudget {
  epochs: number;
  steps: number;
  cost: UnlearnCost;
  divergedAtEpoch: Array<number | null>;
  /** The loss trace's entries; their per-model losses are rows of `loss-e<epochs>.npy`. */
  lossTrace: Array<{ epoch: number; phase: string }>;
}

interface GroupManifest {
  method: string;
  seeds: number[];
  modelsKey: string;
  backend: string;
  budgets: StoredBudget[];
  seconds: number;
  engineVersion: string;
}

/** A group's outcome at one budget, read back from the store. */
export interface GroupBudget {
  epochs: number;
  steps: number;
  cost: UnlearnCost;
  /** [K × P] float32. */
  margins: Float32Array;
  divergedAtEpoch: Array<number | null>;
  /** Per model. */
  accuracy: AccuracyBySplit[];
  lossTrace: LossTraceEntry[];
}

const sha256Of = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

/** The group's key: the originals' group, the method and its settings, F, budgets, the targets' bytes, the backend. */
export function unlearnGroupKey(job: UnlearnGroupJob, backend: string): string {
  return contentKey({
    kind: UNLEARNED_GROUPS_KIND,
    revision: GROUP_REVISION,
    models: job.group.modelsKey,
    seeds: job.group.seeds,
    method: job.method,
    // Only this method's own settings: changing another method's must not rerun this one.
    settings: job.plugin ? null : (settingsFor(job.settings, job.method as MethodId) ?? null),
    plugin: job.plugin ?? null,
    retrainEpochs: job.config.epochs,
    budgets: job.budgets ?? null,
    forget: Array.from(job.forget),
    targets: job.targets ? { perModel: job.targets.perModel, sha256: sha256Of(job.targets.data) } : null,
    backend,
  });
}

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

/** Teacher logits of SCRUB: the group's own originals on the training points, [K, n, C], from the group's stored logits. */
function groupTeacherLogits(store: Store, modelsKey: string, K: number, nT: number, P: number, C: number): Float32Array {
  const all = store.readArray(MODELS_KIND, modelsKey, 'logits.npy').data as Float32Array;
  if (all.length !== K * P * C) throw new UnlearnError('io', `stored logits of models ${modelsKey} hold ${all.length} values, expected ${K} × ${P} × ${C}`);
  const out = new Float32Array(K * nT * C);
  for (let k = 0; k < K; k++) out.set(all.subarray(k * P * C, (k * P + nT) * C), k * nT * C);
  return out;
}

/**
 * Runs one group and stores it (unless it is stored already); returns the group's key.
 * `plugin` is the loaded module when `job.method` is a plug-in (in-process only).
 */
export async function unlearnGroup(
  job: UnlearnGroupJob,
  store: Store,
  opts: { plugin?: LoadedPlugin; signal?: AbortSignal; onProgress?: (p: TrainProgress) => void } = {},
): Promise<string> {
  const backend = await initBackend();
  const key = unlearnGroupKey(job, backend.key);
  if (store.has(UNLEARNED_GROUPS_KIND, key)) return key;
  if (job.plugin && (!opts.plugin || opts.plugin.sha256 !== job.plugin.sha256)) throw new UnlearnError('bad-config', `plug-in ${job.method} (${job.plugin.file}) is not loaded, or its file changed`);
  const ds = job.dataset;
  const nT = ds.train.n;
  const nV = ds.validation.n;
  const P = nT + nV;
  const model = buildModel(job.model, ds.inputShape, ds.classNames.length);
  const C = model.numClasses;
  const K = job.group.seeds.length;
  const labels = new Int32Array(P);
  labels.set(ds.train.y, 0);
  labels.set(ds.validation.y, nT);
  const inF = new Uint8Array(nT);
  for (const i of job.forget) inF[i] = 1;
  const retain = Int32Array.from({ length: nT }, (_, i) => i).filter((i) => !inF[i]);
  const teacherLogits = job.method === 'scrub' ? groupTeacherLogits(store, job.group.modelsKey, K, nT, P, C) : undefined;

  const started = performance.now();
  const arrays: Record<string, NpyArray> = {};
  const budgets: StoredBudget[] = [];
  const train = toDevice(ds.train.x, ds.train.y, nT, ds.inputShape);
  const all = tf.tidy(() => tf.concat([train.x, tf.tensor(ds.validation.x, [nV, ...ds.inputShape], 'float32')]));
  const initial = loadGroupWeights(store, job.group.modelsKey, model);
  try {
    const common = {
      model,
      train,
      initial,
      seeds: job.group.seeds,
      forget: job.forget,
      retain,
      retrainEpochs: job.config.epochs,
      budgets: job.budgets,
      signal: opts.signal,
      onProgress: opts.onProgress,
      onCheckpoint: async (c: UnlearnCheckpoint) => {
        const logits = await predictLogits(model, c.params, c.state, all);
        const margins = new Float32Array(K * P);
        const accuracy = new Float64Array(K * 3);
        const diverged = [...c.divergedAtEpoch];
        for (let k = 0; k < K; k++) {
          const lk = logits.subarray(k * P * C, (k + 1) * P * C);
          margins.set(marginsFromLogits(lk, P, C, labels), k * P);
          const a = splitAccuracy(lk, P, C, labels, nT, job.forget);
          accuracy.set([a.forget, a.retain, a.validation], k * 3);
        }
        nonFiniteRows(margins, P).forEach((bad, k) => {
          if (bad && diverged[k] === null) diverged[k] = c.epochs - 1;
        });
        const loss = new Float64Array(c.lossTrace.length * K);
        c.lossTrace.forEach((e, i) => loss.set(e.loss, i * K));
        arrays[`margins-e${c.epochs}.npy`] = { dtype: 'float32', shape: [K, P], data: margins };
        arrays[`accuracy-e${c.epochs}.npy`] = { dtype: 'float64', shape: [K, 3], data: accuracy };
        arrays[`loss-e${c.epochs}.npy`] = { dtype: 'float64', shape: [c.lossTrace.length, K], data: loss };
        budgets.push({ epochs: c.epochs, steps: c.steps, cost: c.cost, divergedAtEpoch: diverged, lossTrace: c.lossTrace.map((e) => ({ epoch: e.epoch, phase: e.phase })) });
      },
    };
    const r = opts.plugin && job.plugin
      ? await runPluginUnlearner(opts.plugin, { ...common, labels: ds.train.y })
      : await runUnlearner({ ...common, method: job.method as MethodId, settings: job.settings, targets: job.targets, teacherLogits, retrainConfig: job.config });
    for (const t of [...Object.values(r.params), ...Object.values(r.state)]) t.dispose();
  } finally {
    for (const t of [train.x, train.y, all, ...Object.values(initial.params), ...Object.values(initial.state)]) t.dispose();
  }
  const manifest: GroupManifest = { method: job.method, seeds: job.group.seeds, modelsKey: job.group.modelsKey, backend: backend.name, budgets, seconds: (performance.now() - started) / 1000, engineVersion: ENGINE_VERSION };
  store.write(UNLEARNED_GROUPS_KIND, key, { ...manifest }, arrays);
  return key;
}

/** A stored group's outcome per budget (ascending epochs). */
export function readUnlearnedGroup(store: Store, key: string): GroupBudget[] {
  const m = store.readManifest<ArtifactManifest & GroupManifest>(UNLEARNED_GROUPS_KIND, key);
  if (!m) throw new UnlearnError('io', `unlearned group ${key} is missing`);
  const K = m.seeds.length;
  return m.budgets.map((b) => {
    const acc = store.readArray(UNLEARNED_GROUPS_KIND, key, `accuracy-e${b.epochs}.npy`).data as Float64Array;
    const loss = store.readArray(UNLEARNED_GROUPS_KIND, key, `loss-e${b.epochs}.npy`).data as Float64Array;
    return {
      epochs: b.epochs,
      steps: b.steps,
      cost: b.cost,
      margins: store.readArray(UNLEARNED_GROUPS_KIND, key, `margins-e${b.epochs}.npy`).data as Float32Array,
      divergedAtEpoch: b.divergedAtEpoch,
      accuracy: Array.from({ length: K }, (_, k) => ({ forget: acc[k * 3], retain: acc[k * 3 + 1], validation: acc[k * 3 + 2] })),
      lossTrace: b.lossTrace.map((e, i) => ({ epoch: e.epoch, phase: e.phase, loss: Array.from(loss.subarray(i * K, (i + 1) * K)) })),
    };
  });
}
