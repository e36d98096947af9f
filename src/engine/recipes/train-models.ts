/**
 * Trains K models of one recipe (dataset, model, training config) with one seed each, records
 * every model's logits and margins on all training and validation points, and stores them as
 * one artifact keyed by everything that determines it. An artifact on disk is reused as is.
 */
import { initBackend } from '../backend/select';
import type { Dataset } from '../data/dataset';
import { accuracyFromLogits, marginsFromLogits } from '../eval/margin';
import { buildModel, type ModelSpec, type Params } from '../models';
import { contentKey } from '../store/hash';
import type { NpyArray } from '../store/npy';
import type { ArtifactManifest, Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import { predictLogits, toDevice } from '../train/predict';
import { TRAINING_REVISION, trainEnsemble, type TrainProgress } from '../train/trainer';
import { ENGINE_VERSION } from '../version';

export const MODELS_KIND = 'models';

export interface TrainModelsRequest {
  dataset: Dataset;
  model: ModelSpec;
  config: TrainConfig;
  seeds: number[];
  /** Train every model on these training indices only (e.g. the retain set); default all. */
  trainIndices?: Int32Array;
  /** Store the weights (needed to unlearn from these models later); default true. */
  saveWeights?: boolean;
  /** Retrain even if the artifact exists. */
  force?: boolean;
}

export interface ModelsManifest extends ArtifactManifest {
  engineVersion: string;
  backend: string;
  tfjsVersion: string;
  dataset: { id: string; name: string; source: string; nTrain: number; nVal: number; classNames: string[] };
  /** Number of training points the models were trained on, and their key when not all. */
  trainedOn: { count: number; indexSet: string };
  model: ModelSpec;
  config: TrainConfig;
  seeds: number[];
  /** Models trained together in one batched ensemble (determinism depends on it). */
  grouping: number[][];
  trainAccuracy: number[];
  valAccuracy: number[];
  lossHistory: number[][];
  divergedAtEpoch: Array<number | null>;
  seconds: number;
  examplesPerSecond: number;
  /** Points are ordered [training points..., validation points...] in every array. */
  points: { train: number; val: number };
}

export interface TrainModelsResult {
  key: string;
  dir: string;
  cached: boolean;
  manifest: ModelsManifest;
}

export function modelsKey(req: Pick<TrainModelsRequest, 'dataset' | 'model' | 'config' | 'seeds' | 'trainIndices' | 'saveWeights'>, backend: string): string {
  return contentKey({
    kind: MODELS_KIND,
    revision: TRAINING_REVISION,
    dataset: req.dataset.id,
    model: req.model,
    config: req.config,
    seeds: req.seeds,
    backend,
    trainIndices: req.trainIndices ? indexSetKey(req.trainIndices) : 'all',
    weights: req.saveWeights !== false,
  });
}

/** A short content key for a set of indices (a forget set, a retain set, a mask). */
export function indexSetKey(indices: Int32Array): string {
  return contentKey(Array.from(indices));
}

export async function trainModels(
  req: TrainModelsRequest,
  store: Store,
  opts: { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void } = {},
): Promise<TrainModelsResult> {
  const backend = await initBackend();
  const key = modelsKey(req, backend.key);
  const existing = store.readManifest<ModelsManifest>(MODELS_KIND, key);
  if (existing && !req.force) return { key, dir: store.dir(MODELS_KIND, key), cached: true, manifest: existing };

  const ds = req.dataset;
  const model = buildModel(req.model, ds.inputShape, ds.classNames.length);
  const train = toDevice(ds.train.x, ds.train.y, ds.train.n, ds.inputShape);
  const val = toDevice(ds.validation.x, ds.validation.y, ds.validation.n, ds.inputShape);
  let params: Params | undefined;
  let state: Params | undefined;
  try {
    const subset = req.trainIndices;
    const r = await trainEnsemble({
      model,
      data: train,
      seeds: req.seeds,
      subsets: subset ? req.seeds.map(() => subset) : undefined,
      config: req.config,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    params = r.params;
    state = r.state;
    const K = req.seeds.length;
    const C = model.numClasses;
    const trainLogits = await predictLogits(model, params, state, train.x);
    const valLogits = await predictLogits(model, params, state, val.x);
    const nT = ds.train.n;
    const nV = ds.validation.n;
    const nP = nT + nV;
    const labels = new Int32Array(nP);
    labels.set(ds.train.y, 0);
    labels.set(ds.validation.y, nT);
    const logits = new Float32Array(K * nP * C);
    const margins = new Float32Array(K * nP);
    const trainAccuracy: number[] = [];
    const valAccuracy: number[] = [];
    for (let k = 0; k < K; k++) {
      const tl = trainLogits.subarray(k * nT * C, (k + 1) * nT * C);
      const vl = valLogits.subarray(k * nV * C, (k + 1) * nV * C);
      logits.set(tl, k * nP * C);
      logits.set(vl, (k * nP + nT) * C);
      margins.set(marginsFromLogits(logits.subarray(k * nP * C, (k + 1) * nP * C), nP, C, labels), k * nP);
      trainAccuracy.push(accuracyFromLogits(tl, nT, C, ds.train.y));
      valAccuracy.push(accuracyFromLogits(vl, nV, C, ds.validation.y));
    }
    const arrays: Record<string, NpyArray> = {
      'margins.npy': { dtype: 'float32', shape: [K, nP], data: margins },
      'logits.npy': { dtype: 'float32', shape: [K, nP, C], data: logits },
      'labels.npy': { dtype: 'int32', shape: [nP], data: labels },
    };
    for (const [prefix, tensors] of [['params', params], ['state', state]] as const) {
      if (req.saveWeights === false) break;
      for (const [name, t] of Object.entries(tensors)) {
        arrays[`${prefix}/${name}.npy`] = { dtype: 'float32', shape: t.shape, data: (await t.data()) as Float32Array };
      }
    }
    const manifest: Omit<ModelsManifest, 'kind' | 'key' | 'createdAt'> = {
      engineVersion: ENGINE_VERSION,
      backend: backend.name,
      tfjsVersion: backend.tfjsVersion,
      dataset: { id: ds.id, name: ds.name, source: ds.source, nTrain: nT, nVal: nV, classNames: ds.classNames },
      trainedOn: { count: subset ? subset.length : nT, indexSet: subset ? indexSetKey(subset) : 'all' },
      model: req.model,
      config: req.config,
      seeds: req.seeds,
      grouping: [req.seeds],
      trainAccuracy,
      valAccuracy,
      lossHistory: r.lossHistory,
      divergedAtEpoch: r.divergedAtEpoch,
      seconds: r.seconds,
      examplesPerSecond: (r.examplesPerModel * K) / r.seconds,
      points: { train: nT, val: nV },
    };
    if (req.force && store.has(MODELS_KIND, key)) store.remove(MODELS_KIND, key);
    store.write(MODELS_KIND, key, manifest, arrays);
    const written = store.readManifest<ModelsManifest>(MODELS_KIND, key);
    if (!written) throw new Error(`artifact ${key} was not written`);
    return { key, dir: store.dir(MODELS_KIND, key), cached: false, manifest: written };
  } finally {
    for (const t of [...Object.values(params ?? {}), ...Object.values(state ?? {}), train.x, train.y, val.x, val.y]) t.dispose();
  }
}
