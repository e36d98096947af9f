/**
 * Ensembles: N models of one recipe, each with its own seed, trained in groups of K as batched
 * ensembles. Every group is its own stored artifact, so an interrupted ensemble resumes from the
 * groups already on disk; the ensemble's artifact (all margins and logits, [N × points]) is
 * written once the last group is done. Originals are shared by every forget set; oracles
 * (trained on R = S \ F) by every method evaluated on that forget set.
 */
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import type { ModelSpec } from '../models';
import { contentKey } from '../store/hash';
import type { ArtifactManifest, Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import { TRAINING_REVISION, type TrainProgress } from '../train/trainer';
import { ENGINE_VERSION } from '../version';
import { retainSet } from '../eval/summary';
import { initBackend, type BackendName } from '../backend/select';
import { combinedProgress, trainGroupsInWorkers, workerCount } from '../parallel/pool';
import { indexSetKey, MODELS_KIND, modelsKey, trainModels, type ModelsManifest, type TrainModelsRequest, type TrainModelsResult } from './train-models';

export const ENSEMBLES_KIND = 'ensembles';

/** Which models: originals on S, oracles on R, and a second, disjoint oracle set for the noise floor. */
export const ENSEMBLE_ROLES = ['originals', 'oracles', 'oracles-floor'] as const;
export type EnsembleRole = (typeof ENSEMBLE_ROLES)[number];

/** Seeds of different roles never overlap (N stays far below a million). */
export const ROLE_SEED_BASE: Record<EnsembleRole, number> = { originals: 0, oracles: 1_000_000, 'oracles-floor': 2_000_000 };

export interface ForgetSpec {
  name: string;
  /** Sorted, unique training indices. */
  indices: Int32Array;
}

export interface EnsembleRequest {
  dataset: Dataset;
  model: ModelSpec;
  config: TrainConfig;
  role: EnsembleRole;
  count: number;
  /** Required for oracle roles. */
  forget?: ForgetSpec;
  /** Models trained together (K); part of the recipe, since it fixes the floating-point path. */
  groupSize?: number;
  seedBase?: number;
}

export interface EnsembleProgress extends TrainProgress {
  modelsDone: number;
  modelsTotal: number;
}

export interface EnsembleManifest extends ArtifactManifest {
  engineVersion: string;
  role: EnsembleRole;
  backend: string;
  tfjsVersion: string;
  dataset: ModelsManifest['dataset'];
  model: ModelSpec;
  config: TrainConfig;
  seeds: number[];
  groups: Array<{ seeds: number[]; modelsKey: string }>;
  forget: { name: string; indexSet: string; size: number } | null;
  trainAccuracy: number[];
  valAccuracy: number[];
  divergedAtEpoch: Array<number | null>;
  /** Training time summed over groups, and the wall time of this run (groups may run in parallel). */
  seconds: number;
  wallSeconds: number;
  workers: number;
  points: { train: number; val: number };
}

export interface EnsembleResult {
  key: string;
  dir: string;
  cached: boolean;
  manifest: EnsembleManifest;
}

/**
 * Models trained side by side in one group (one store unit). On tfjs-node a bigger stack of MLPs
 * costs less per model (measured 2026-11-29, K = 50 vs 10: about 25 % less, docs/performance.md);
 * on wasm it does not, and two worker processes share the groups, so smaller groups balance
 * better there.
 */
export function defaultGroupSize(model: ModelSpec, backend: BackendName): number {
  if (model.kind === 'mlp' || model.kind === 'logreg') return backend === 'tensorflow' ? 50 : 10;
  return 4;
}

function checkForget(req: EnsembleRequest): void {
  const f = req.forget;
  if (req.role === 'originals') return;
  if (!f) throw new UnlearnError('bad-config', `the ${req.role} ensemble needs a forget set`);
  const n = req.dataset.train.n;
  if (f.indices.length === 0) throw new UnlearnError('bad-forget-set', `forget set "${f.name}" is empty`);
  if (f.indices.length >= n) throw new UnlearnError('bad-forget-set', `forget set "${f.name}" holds every training point: nothing would be left to train on`);
  for (let i = 0; i < f.indices.length; i++) {
    const v = f.indices[i];
    if (v < 0 || v >= n) throw new UnlearnError('bad-forget-set', `forget set "${f.name}": index ${v} is outside the training set 0..${n - 1}`);
    if (i > 0 && v <= f.indices[i - 1]) throw new UnlearnError('bad-forget-set', `forget set "${f.name}": indices must be sorted and unique (at position ${i})`);
  }
}

export function ensembleSeeds(req: Pick<EnsembleRequest, 'role' | 'count' | 'seedBase'>): number[] {
  const base = req.seedBase ?? ROLE_SEED_BASE[req.role];
  return Array.from({ length: req.count }, (_, i) => base + i);
}

export async function trainEnsembleArtifact(
  req: EnsembleRequest,
  store: Store,
  opts: { signal?: AbortSignal; onProgress?: (p: EnsembleProgress) => void; workers?: number } = {},
): Promise<EnsembleResult> {
  if (!Number.isInteger(req.count) || req.count < 1) throw new UnlearnError('bad-config', `an ensemble needs at least one model, got ${req.count}`);
  checkForget(req);
  const backend = await initBackend();
  const seeds = ensembleSeeds(req);
  const groupSize = req.groupSize ?? defaultGroupSize(req.model, backend.name);
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new UnlearnError('bad-config', `group size must be a positive integer, got ${groupSize}`);
  const forget = req.role === 'originals' ? undefined : req.forget;
  const trainIndices = forget ? retainSet(req.dataset.train.n, forget.indices) : undefined;
  const key = contentKey({
    kind: ENSEMBLES_KIND,
    revision: TRAINING_REVISION,
    dataset: req.dataset.id,
    model: req.model,
    config: req.config,
    seeds,
    groupSize,
    backend: backend.key,
    trainIndices: trainIndices ? indexSetKey(trainIndices) : 'all',
  });
  const existing = store.readManifest<EnsembleManifest>(ENSEMBLES_KIND, key);
  if (existing) return { key, dir: store.dir(ENSEMBLES_KIND, key), cached: true, manifest: existing };

  const groups: number[][] = [];
  for (let i = 0; i < seeds.length; i += groupSize) groups.push(seeds.slice(i, i + groupSize));
  const requests: TrainModelsRequest[] = groups.map((g) => ({
    dataset: req.dataset,
    model: req.model,
    config: req.config,
    seeds: g,
    trainIndices,
    saveWeights: req.role === 'originals',
  }));
  const pending = requests.map((r, i) => i).filter((i) => !store.has(MODELS_KIND, modelsKey(requests[i], backend.key)));
  const workers = Math.min(opts.workers ?? workerCount(backend.name), pending.length);
  const done = new Set(requests.map((_, i) => i).filter((i) => !pending.includes(i)));
  const modelsDone = () => [...done].reduce((a, i) => a + groups[i].length, 0);
  const started = performance.now();
  // Progress and ETA cover the whole ensemble, not one group (tasks are indices into `pending`).
  const progress = combinedProgress(pending.length, (p) => opts.onProgress?.({ ...p, modelsDone: modelsDone(), modelsTotal: seeds.length }));
  const report = (i: number, p: TrainProgress) => progress.report(pending.indexOf(i), p);
  const finish = (i: number) => {
    done.add(i);
    progress.done(pending.indexOf(i));
  };
  let results: TrainModelsResult[];
  if (workers > 1) {
    const trained = await trainGroupsInWorkers(
      pending.map((i) => requests[i]),
      { workers, backend: backend.name, storeRoot: store.root, signal: opts.signal, onProgress: (t, p) => report(pending[t], p), onTaskDone: (t) => finish(pending[t]) },
    );
    results = [];
    for (let i = 0; i < requests.length; i++) {
      const t = pending.indexOf(i);
      results.push(t >= 0 ? trained[t] : await trainModels(requests[i], store));
    }
  } else {
    results = [];
    for (let i = 0; i < requests.length; i++) {
      results.push(await trainModels(requests[i], store, { signal: opts.signal, onProgress: (p) => report(i, p) }));
      if (pending.includes(i)) finish(i);
    }
  }
  const parts: ModelsManifest[] = results.map((r) => r.manifest);
  const partKeys: string[] = results.map((r) => r.key);
  const seconds = parts.reduce((a, p) => a + p.seconds, 0);
  const wallSeconds = (performance.now() - started) / 1000;

  const nP = parts[0].points.train + parts[0].points.val;
  const C = req.dataset.classNames.length;
  const margins = new Float32Array(seeds.length * nP);
  const logits = new Float32Array(seeds.length * nP * C);
  let row = 0;
  for (const k of partKeys) {
    const m = store.readArray(MODELS_KIND, k, 'margins.npy');
    const l = store.readArray(MODELS_KIND, k, 'logits.npy');
    margins.set(m.data as Float32Array, row * nP);
    logits.set(l.data as Float32Array, row * nP * C);
    row += m.shape[0];
  }
  const first = parts[0];
  const manifest: Omit<EnsembleManifest, 'kind' | 'key' | 'createdAt'> = {
    engineVersion: ENGINE_VERSION,
    role: req.role,
    backend: backend.name,
    tfjsVersion: backend.tfjsVersion,
    dataset: first.dataset,
    model: req.model,
    config: req.config,
    seeds,
    groups: groups.map((g, i) => ({ seeds: g, modelsKey: partKeys[i] })),
    forget: forget ? { name: forget.name, indexSet: indexSetKey(forget.indices), size: forget.indices.length } : null,
    trainAccuracy: parts.flatMap((p) => p.trainAccuracy),
    valAccuracy: parts.flatMap((p) => p.valAccuracy),
    divergedAtEpoch: parts.flatMap((p) => p.divergedAtEpoch),
    seconds,
    wallSeconds,
    workers: Math.max(1, workers),
    points: first.points,
  };
  store.write(ENSEMBLES_KIND, key, manifest, {
    'margins.npy': { dtype: 'float32', shape: [seeds.length, nP], data: margins },
    'logits.npy': { dtype: 'float32', shape: [seeds.length, nP, C], data: logits },
  });
  const written = store.readManifest<EnsembleManifest>(ENSEMBLES_KIND, key);
  if (!written) throw new UnlearnError('io', `ensemble ${key} was not written`);
  return { key, dir: store.dir(ENSEMBLES_KIND, key), cached: false, manifest: written };
}

export function readEnsembleMargins(store: Store, key: string): { margins: Float32Array; models: number; points: number } {
  const a = store.readArray(ENSEMBLES_KIND, key, 'margins.npy');
  return { margins: a.data as Float32Array, models: a.shape[0], points: a.shape[1] };
}
