/**
 * TRAK datamodels (SPEC §5) as a stored artifact that DM-Direct and DMM read exactly like the
 * regression datamodels: kind `datamodels`, `beta.npy` [n_train × P × C] float32 (read with
 * `readBetaRows` / `sumBetaRows`, like every datamodel), `intercept.npy`, `mask-mean.npy` and `lds.npy` [P] (read with `readLdsPerTarget`).
 *
 * β is computed from the first T stored originals (no subset models), then multiplied by one
 * scalar scale fitted on held-out subset models: TRAK scores are on roughly, not exactly, the
 * scale of retraining effects, and DM-Direct needs the scale. The same held-out models give
 * the LDS. When regression datamodels exist, their held-out models are used, so both LDS are
 * measured on the very same models; otherwise `heldOut` subset models are trained here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/select';
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import { marginsFromLogits } from '../eval/margin';
import { buildModel, type ModelSpec } from '../models';
import type { EnsembleResult } from '../recipes/ensemble';
import { contentKey } from '../store/hash';
import type { ArtifactManifest, Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import type { TrainProgress } from '../train/trainer';
import { loadGroupWeights } from '../unlearn/apply';
import { ENGINE_VERSION } from '../version';
import { DATAMODELS_KIND, SUBSET_MODELS_KIND, trainSubsetGroup, type DatamodelManifest, type DatamodelQuality } from './datamodels';
import { linearDatamodelScore, meanDefined } from './lds';
import { checkTrakModel, disposeLayers, layersOfModel, type MlpLayers } from './trak-gradients';
import { PROJECTIONS, type ProjectionKind } from './trak-projection';
import { DEFAULT_TRAK_SETTINGS, checkTrakSettings, trakBeta, type TrakSettings } from './trak-scores';

/** Bumped when the computation changes in a way that changes stored β. */
const TRAK_REVISION = 1;
export const DEFAULT_TRAK_MODELS = 5;
export const DEFAULT_TRAK_HELD_OUT = 20;
/** Seeds of the held-out subset models trained for TRAK alone (disjoint from every other role). */
export const TRAK_HELD_OUT_SEED_BASE = 4_000_000;

export interface TrakRequest {
  dataset: Dataset;
  model: ModelSpec;
  config: TrainConfig;
  /** The stored originals; the first `models` of them give the features. */
  originals: EnsembleResult;
  /** T: trained models averaged over (default 5). */
  models?: number;
  k?: number;
  /** λ relative to the mean squared training-feature norm. */
  lambda?: number;
  projection?: ProjectionKind;
  projectionSeed?: number;
  blockColumns?: number;
  batchSize?: number;
  /** Key of regression datamodels whose held-out subset models give the scale and the LDS. */
  heldOutFrom?: string;
  /** Otherwise: held-out subset models trained for TRAK (default 20) on α-subsets (0.5). */
  heldOut?: number;
  alpha?: number;
}

export interface TrakManifest extends ArtifactManifest {
  engineVersion: string;
  backend: string;
  estimator: 'trak';
  dataset: { id: string; name: string; nTrain: number; nVal: number };
  model: ModelSpec;
  config: TrainConfig;
  originals: string;
  /** T and the originals' seeds used. */
  models: number;
  modelSeeds: number[];
  k: number;
  lambda: number;
  /** λ in absolute units, per model. */
  lambdaAbs: number[];
  projection: ProjectionKind;
  projectionSeed: number;
  /** Scale that multiplies the raw TRAK scores in beta.npy; the slope before scaling. */
  scale: number;
  slopeUnscaled: number;
  quality: DatamodelQuality;
  heldOutSource: { kind: 'datamodels' | 'trak'; key: string; count: number };
  /**
   * Examples processed (SPEC §3): per model, n training margins (forward + backward = 1 each)
   * and P targets with one forward (1/3) and C backward passes (2/3 each); plus the held-out
   * subset models when trained here (counted in the regression datamodels otherwise).
   */
  precomputeExamples: number;
  precomputeParts: { features: number; heldOutTraining: number };
  seconds: { features: number; heldOutTraining: number; scale: number };
  points: { train: number; val: number };
  classes: number;
}

export interface TrakResult {
  key: string;
  dir: string;
  cached: boolean;
  manifest: TrakManifest;
}

export type TrakProgress = TrainProgress & { phase: 'held-out models' | 'features'; modelsDone: number; modelsTotal: number };

export function trakSettings(req: TrakRequest): TrakSettings & { models: number; heldOut: number; alpha: number } {
  checkTrakModel(req.model);
  const s = {
    k: req.k ?? DEFAULT_TRAK_SETTINGS.k,
    lambda: req.lambda ?? DEFAULT_TRAK_SETTINGS.lambda,
    projection: req.projection ?? DEFAULT_TRAK_SETTINGS.projection,
    projectionSeed: req.projectionSeed ?? DEFAULT_TRAK_SETTINGS.projectionSeed,
    blockColumns: req.blockColumns ?? DEFAULT_TRAK_SETTINGS.blockColumns,
    batchSize: req.batchSize ?? DEFAULT_TRAK_SETTINGS.batchSize,
    models: req.models ?? DEFAULT_TRAK_MODELS,
    heldOut: req.heldOut ?? DEFAULT_TRAK_HELD_OUT,
    alpha: req.alpha ?? 0.5,
  };
  checkTrakSettings(s);
  if (!PROJECTIONS.includes(s.projection)) throw new UnlearnError('bad-config', `TRAK projection must be one of ${PROJECTIONS.join(', ')}, got ${String(s.projection)}`);
  const N = req.originals.manifest.seeds.length;
  if (!Number.isInteger(s.models) || s.models < 1) throw new UnlearnError('bad-config', `TRAK needs T ≥ 1 trained models, got ${s.models}`);
  if (s.models > N) throw new UnlearnError('bad-config', `TRAK wants T = ${s.models} originals but the ensemble has ${N}; lower T or raise N`);
  if (!req.heldOutFrom && (!Number.isInteger(s.heldOut) || s.heldOut < 3)) throw new UnlearnError('bad-config', `TRAK needs ≥ 3 held-out subset models for its scale and LDS, got ${s.heldOut}`);
  if (!(s.alpha > 0 && s.alpha < 1)) throw new UnlearnError('bad-config', `subset fraction α must be in (0, 1), got ${s.alpha}`);
  return s;
}

interface HeldOut {
  masks: Uint8Array;
  logits: Float32Array;
  h: number;
  source: TrakManifest['heldOutSource'];
  examples: number;
  seconds: number;
}

/**
 * Regression datamodels of this recipe already in the store (the one with the most held-out
 * models), so TRAK alone is still scored on the same held-out models as the regression.
 */
export function storedRegressionDatamodels(store: Store, ds: Dataset, model: ModelSpec, config: TrainConfig): string | undefined {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const found = store
    .list(DATAMODELS_KIND)
    .filter((m): m is DatamodelManifest => m.estimator !== 'trak' && typeof m.mFit === 'number')
    .filter((m) => m.dataset.id === ds.id && m.dataset.nTrain === ds.train.n && m.dataset.nVal === ds.validation.n && same(m.model, model) && same(m.config, config))
    .sort((a, b) => b.m - b.mFit - (a.m - a.mFit) || b.createdAt.localeCompare(a.createdAt));
  return found[0]?.key;
}

function heldOutOfDatamodels(store: Store, key: string, n: number, D: number): HeldOut {
  const m = store.readManifest<DatamodelManifest>(DATAMODELS_KIND, key);
  if (!m || m.estimator === ('trak' as string)) throw new UnlearnError('not-found', `regression datamodels ${key} are not in the store`);
  const masks = store.readArray(DATAMODELS_KIND, key, 'masks.npy').data as Uint8Array;
  const logits = store.readArray(DATAMODELS_KIND, key, 'logits.npy').data as Float32Array;
  const h = m.m - m.mFit;
  return { masks: masks.slice(m.mFit * n), logits: logits.slice(m.mFit * D), h, source: { kind: 'datamodels', key, count: h }, examples: 0, seconds: 0 };
}

async function heldOutTrainedHere(req: TrakRequest, s: { heldOut: number; alpha: number }, backend: string, store: Store, opts: { signal?: AbortSignal; onProgress?: (p: TrakProgress) => void }): Promise<HeldOut> {
  const seeds = Array.from({ length: s.heldOut }, (_, j) => TRAK_HELD_OUT_SEED_BASE + j);
  const dmReq = { dataset: req.dataset, model: req.model, config: req.config, m: s.heldOut };
  const key = await trainSubsetGroup(dmReq, seeds, s.alpha, store, {
    signal: opts.signal,
    onProgress: opts.onProgress ? (p: TrainProgress) => opts.onProgress?.({ ...p, phase: 'held-out models', modelsDone: 0, modelsTotal: s.heldOut }) : undefined,
  });
  const gm = store.readManifest<ArtifactManifest & { examplesPerModel: number; seconds: number }>(SUBSET_MODELS_KIND, key);
  if (!gm) throw new UnlearnError('io', `held-out subset models ${key} are missing`);
  return {
    masks: store.readArray(SUBSET_MODELS_KIND, key, 'masks.npy').data as Uint8Array,
    logits: store.readArray(SUBSET_MODELS_KIND, key, 'logits.npy').data as Float32Array,
    h: s.heldOut,
    source: { kind: 'trak', key, count: s.heldOut },
    examples: gm.examplesPerModel * s.heldOut,
    seconds: gm.seconds,
  };
}

/** (Z − z̄) β, [h × D], on the backend in column blocks. */
function maskEffects(beta: Float32Array, n: number, D: number, masks: Uint8Array, h: number, maskMean: Float64Array): Float32Array {
  const zc = new Float32Array(h * n);
  for (let j = 0; j < h; j++) for (let i = 0; i < n; i++) zc[j * n + i] = masks[j * n + i] - maskMean[i];
  const out = new Float32Array(h * D);
  const z = tf.tensor2d(zc, [h, n]);
  const BLOCK = 4096;
  try {
    for (let c0 = 0; c0 < D; c0 += BLOCK) {
      const w = Math.min(BLOCK, D - c0);
      const blk = new Float32Array(n * w);
      for (let r = 0; r < n; r++) blk.set(beta.subarray(r * D + c0, r * D + c0 + w), r * w);
      const prod = tf.tidy(() => tf.matMul(z, tf.tensor2d(blk, [n, w])));
      const v = prod.dataSync() as Float32Array;
      prod.dispose();
      for (let j = 0; j < h; j++) out.set(v.subarray(j * w, (j + 1) * w), j * D + c0);
    }
  } finally {
    z.dispose();
  }
  return out;
}

function firstModels(store: Store, originals: EnsembleResult, spec: ModelSpec, ds: Dataset, T: number): { layers: MlpLayers[]; seeds: number[] } {
  const model = buildModel(spec, ds.inputShape, ds.classNames.length);
  const layers: MlpLayers[] = [];
  const seeds: number[] = [];
  for (const g of originals.manifest.groups) {
    if (layers.length >= T) break;
    const w = loadGroupWeights(store, g.modelsKey, model);
    try {
      for (let k = 0; k < g.seeds.length && layers.length < T; k++) {
        layers.push(layersOfModel(w.params, k));
        seeds.push(g.seeds[k]);
      }
    } finally {
      for (const t of [...Object.values(w.params), ...Object.values(w.state)]) t.dispose();
    }
  }
  return { layers, seeds };
}

export async function buildTrakDatamodels(req: TrakRequest, store: Store, opts: { signal?: AbortSignal; onProgress?: (p: TrakProgress) => void } = {}): Promise<TrakResult> {
  const s = trakSettings(req);
  const backend = (await initBackend()).name;
  const ds = req.dataset;
  const nT = ds.train.n;
  const nV = ds.validation.n;
  const P = nT + nV;
  const C = ds.classNames.length;
  const D = P * C;
  const heldKey = req.heldOutFrom ?? contentKey({ seedBase: TRAK_HELD_OUT_SEED_BASE, h: s.heldOut, alpha: s.alpha });
  const key = contentKey({
    kind: DATAMODELS_KIND,
    estimator: 'trak',
    revision: TRAK_REVISION,
    originals: req.originals.key,
    backend,
    T: s.models,
    k: s.k,
    lambda: s.lambda,
    projection: s.projection,
    projectionSeed: s.projectionSeed,
    heldOut: heldKey,
  });
  const existing = store.readManifest<TrakManifest>(DATAMODELS_KIND, key);
  if (existing) return { key, dir: store.dir(DATAMODELS_KIND, key), cached: true, manifest: existing };

  const held = req.heldOutFrom ? heldOutOfDatamodels(store, req.heldOutFrom, nT, D) : await heldOutTrainedHere(req, s, backend, store, opts);

  const t0 = performance.now();
  const { layers, seeds } = firstModels(store, req.originals, req.model, ds, s.models);
  const inSize = ds.inputShape.reduce((a, b) => a * b, 1);
  const train = { x: tf.tensor2d(ds.train.x, [nT, inSize]), y: tf.tensor1d(ds.train.y, 'int32'), n: nT };
  const targets = { x: tf.concat([train.x, tf.tensor2d(ds.validation.x, [nV, inSize])]) as tf.Tensor2D, n: P };
  let raw: { beta: Float32Array; lambdaAbs: number[] };
  try {
    opts.onProgress?.({ phase: 'features', modelsDone: 0, modelsTotal: s.models, epoch: 0, epochs: 1, step: 0, totalSteps: s.models, loss: NaN, examplesPerSecond: 0, etaSeconds: NaN });
    raw = trakBeta(layers, train, targets, s, (done) => {
      if (opts.signal?.aborted) throw new UnlearnError('cancelled', 'TRAK was cancelled');
      opts.onProgress?.({ phase: 'features', modelsDone: done, modelsTotal: s.models, epoch: 0, epochs: 1, step: done, totalSteps: s.models, loss: NaN, examplesPerSecond: 0, etaSeconds: NaN });
    });
  } finally {
    for (const m of layers) disposeLayers(m);
    for (const t of [train.x, train.y, targets.x]) t.dispose();
  }
  const featureSeconds = (performance.now() - t0) / 1000;

  // Scale and LDS on the held-out models: prediction ȳ + scale · (z − z̄)ᵀβ, centred on them.
  const t1 = performance.now();
  const h = held.h;
  const maskMean = new Float64Array(nT);
  for (let j = 0; j < h; j++) for (let i = 0; i < nT; i++) maskMean[i] += held.masks[j * nT + i] / h;
  const intercept = new Float64Array(D);
  for (let j = 0; j < h; j++) for (let d = 0; d < D; d++) intercept[d] += held.logits[j * D + d] / h;
  const labels = new Int32Array(P);
  labels.set(ds.train.y, 0);
  labels.set(ds.validation.y, nT);
  const marginRows = (logits: Float32Array) => {
    const out = new Float32Array(h * P);
    for (let j = 0; j < h; j++) out.set(marginsFromLogits(logits.subarray(j * D, (j + 1) * D), P, C, labels), j * P);
    return out;
  };
  const actual = marginRows(held.logits);
  const effects = maskEffects(raw.beta, nT, D, held.masks, h, maskMean);
  const scoreAt = (scale: number) => {
    const pred = new Float32Array(h * D);
    for (let j = 0; j < h; j++) for (let d = 0; d < D; d++) pred[j * D + d] = intercept[d] + scale * effects[j * D + d];
    return linearDatamodelScore(marginRows(pred), actual, h, P);
  };
  const unscaled = scoreAt(1);
  // Margins are not linear in the logits, so one refinement step brings the slope to ≈ 1.
  let scale = Number.isFinite(unscaled.slope) && unscaled.slope > 0 ? unscaled.slope : 1;
  const refined = scoreAt(scale);
  if (Number.isFinite(refined.slope) && refined.slope > 0) scale *= refined.slope;
  const q = scoreAt(scale);
  for (let i = 0; i < raw.beta.length; i++) raw.beta[i] *= scale;
  const scaleSeconds = (performance.now() - t1) / 1000;

  const trainTargets = Int32Array.from({ length: nT }, (_, i) => i);
  const valTargets = Int32Array.from({ length: nV }, (_, i) => nT + i);
  const featureExamples = s.models * (nT + P * (1 / 3 + (2 / 3) * C));
  const manifest: Omit<TrakManifest, 'kind' | 'key' | 'createdAt'> = {
    engineVersion: ENGINE_VERSION,
    backend,
    estimator: 'trak',
    dataset: { id: ds.id, name: ds.name, nTrain: nT, nVal: nV },
    model: req.model,
    config: req.config,
    originals: req.originals.key,
    models: s.models,
    modelSeeds: seeds,
    k: s.k,
    lambda: s.lambda,
    lambdaAbs: raw.lambdaAbs,
    projection: s.projection,
    projectionSeed: s.projectionSeed,
    scale,
    slopeUnscaled: unscaled.slope,
    quality: { lds: q.mean, ldsTrain: meanDefined(q.perTarget, trainTargets), ldsVal: meanDefined(q.perTarget, valTargets), slope: q.slope, heldOut: h },
    heldOutSource: held.source,
    precomputeExamples: featureExamples + held.examples,
    precomputeParts: { features: featureExamples, heldOutTraining: held.examples },
    seconds: { features: featureSeconds, heldOutTraining: held.seconds, scale: scaleSeconds },
    points: { train: nT, val: nV },
    classes: C,
  };
  store.write(DATAMODELS_KIND, key, manifest, {
    'beta.npy': { dtype: 'float32', shape: [nT, P, C], data: raw.beta },
    'intercept.npy': { dtype: 'float64', shape: [P, C], data: intercept },
    'mask-mean.npy': { dtype: 'float64', shape: [nT], data: maskMean },
    'lds.npy': { dtype: 'float64', shape: [P], data: q.perTarget },
  });
  const written = store.readManifest<TrakManifest>(DATAMODELS_KIND, key);
  if (!written) throw new UnlearnError('io', `TRAK datamodels ${key} were not written`);
  return { key, dir: store.dir(DATAMODELS_KIND, key), cached: false, manifest: written };
}
