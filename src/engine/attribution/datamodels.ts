/**
 * Datamodels (SPEC §5), computed once per (dataset, model, training recipe) and reused by every
 * forget set. M subset models, each trained on a random α-subset of S (its inclusion mask is
 * drawn from its seed), in groups of K as batched ensembles; every group is a stored artifact,
 * so an interrupted run resumes from the groups on disk. The last `heldOut` models are not
 * fitted on: they give the LDS and the calibration slope (and choose ridge's λ when `auto`).
 *
 * Stored (kind `datamodels`): beta.npy [n_train × P × C] float32 (β[i, x, c]: the effect of
 * including training point i on logit c of point x; points P = [train..., val...]),
 * intercept.npy [P × C], mask-mean.npy [n], masks.npy [M × n] uint8, logits.npy [M × P × C],
 * lds.npy [P] (per-target LDS). β is fitted in column blocks streamed into beta.npy (see
 * beta-file.ts), so the fit holds the outputs (M × P × C) and one n × block slice of β, never
 * all n × P × C floats; consumers read the rows they need with readBetaRows.
 */
import { initBackend } from '../backend/select';
import { runPendingGroups, workerCount } from '../parallel/pool';
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import { accuracyFromLogits, marginsFromLogits } from '../eval/margin';
import { buildModel, type ModelSpec } from '../models';
import { contentKey } from '../store/hash';
import type { ArtifactManifest, Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import { predictLogits, toDevice } from '../train/predict';
import { TRAINING_REVISION, trainEnsemble, type TrainProgress } from '../train/trainer';
import { sortedSample } from '../util/rng';
import { deriveSeed } from '../util/seed';
import { ENGINE_VERSION } from '../version';
import { BETA_FILE, BetaWriter } from './beta-file';
import { DEFAULT_LASSO_GRID, diffMeansFitter, LassoProblem, MaskPredictor, RidgeProblem, TILE, type BlockFitter, type Estimator } from './estimators';
import { linearDatamodelScore, meanDefined } from './lds';

export const SUBSET_MODELS_KIND = 'subset-models';
export const DATAMODELS_KIND = 'datamodels';
export const SUBSET_SEED_BASE = 3_000_000;
export const DEFAULT_LAMBDA_GRID = [0.1, 0.3, 1, 3, 10];

export interface DatamodelRequest {
  dataset: Dataset;
  model: ModelSpec;
  config: TrainConfig;
  /** Subset models in all, held-out ones included. */
  m: number;
  /** Subset models kept out of the fit for LDS (default max(10, round(0.1·m))). */
  heldOut?: number;
  alpha?: number;
  estimator?: Estimator;
  /**
   * Ridge: λ relative to the kernel's mean diagonal; lasso: ρ, λ relative to the noise level
   * (estimators.ts); or `auto` (best held-out LDS on the grid).
   */
  lambda?: number | 'auto';
  lambdaGrid?: number[];
  /** Lasso `auto`: target points (with all their classes) the grid is searched on (default 200). */
  lambdaSearchPoints?: number;
  groupSize?: number;
  seedBase?: number;
  /** Columns of β fitted and written at a time (rounded up to a multiple of TILE); does not change β. */
  blockColumns?: number;
}

export interface DatamodelQuality {
  /** Mean Spearman LDS over train + validation targets, and over each alone. */
  lds: number;
  ldsTrain: number;
  ldsVal: number;
  /** Slope of actual on predicted margins (1 = right scale for DM-Direct). */
  slope: number;
  heldOut: number;
}

export interface DatamodelManifest extends ArtifactManifest {
  engineVersion: string;
  backend: string;
  dataset: { id: string; name: string; nTrain: number; nVal: number };
  model: ModelSpec;
  config: TrainConfig;
  m: number;
  mFit: number;
  alpha: number;
  estimator: Estimator;
  lambda: number | null;
  /** Held-out LDS per λ tried (ridge and lasso, auto; lasso's on `lambdaSearchPoints` sampled targets). */
  lambdaSearch: Array<{ lambda: number; lds: number }>;
  lambdaSearchPoints?: number;
  quality: DatamodelQuality;
  groups: Array<{ seeds: number[]; key: string }>;
  subsetTrainAccuracy: number;
  subsetValAccuracy: number;
  /** Precomputation: training the subset models (summed over groups) and the fit. */
  seconds: { training: number; fit: number };
  /** Examples processed (forward+backward) training all subset models: the one-off precomputation. */
  precomputeExamples: number;
  points: { train: number; val: number };
  classes: number;
}

export interface DatamodelResult {
  key: string;
  dir: string;
  cached: boolean;
  manifest: DatamodelManifest;
}

export interface DatamodelProgress extends TrainProgress {
  phase: 'subset-models' | 'fit';
  modelsDone: number;
  modelsTotal: number;
}

/** The inclusion mask of one subset model: round(α·n) points drawn from its seed. */
export function subsetMask(seed: number, n: number, alpha: number): Int32Array {
  return sortedSample(deriveSeed(seed, 'datamodel-mask'), n, Math.round(alpha * n));
}

interface GroupManifest extends ArtifactManifest {
  seeds: number[];
  trainAccuracy: number[];
  valAccuracy: number[];
  seconds: number;
  examplesPerModel: number;
}

function subsetGroupKey(req: DatamodelRequest, seeds: number[], alpha: number, backend: string): string {
  return contentKey({ kind: SUBSET_MODELS_KIND, revision: TRAINING_REVISION, dataset: req.dataset.id, model: req.model, config: req.config, seeds, alpha, backend });
}

/** Trains one group of subset models into the store (in this process or a worker); returns its key. */
export async function trainSubsetGroup(req: DatamodelRequest, seeds: number[], alpha: number, store: Store, opts: { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void }): Promise<string> {
  const backend = await initBackend();
  const key = subsetGroupKey(req, seeds, alpha, backend.key);
  if (store.has(SUBSET_MODELS_KIND, key)) return key;
  const ds = req.dataset;
  const nT = ds.train.n;
  const nV = ds.validation.n;
  const nP = nT + nV;
  const model = buildModel(req.model, ds.inputShape, ds.classNames.length);
  const C = model.numClasses;
  const subsets = seeds.map((s) => subsetMask(s, nT, alpha));
  const train = toDevice(ds.train.x, ds.train.y, nT, ds.inputShape);
  const val = toDevice(ds.validation.x, ds.validation.y, nV, ds.inputShape);
  try {
    const r = await trainEnsemble({ model, data: train, seeds, subsets, config: req.config, signal: opts.signal, onProgress: opts.onProgress });
    const tl = await predictLogits(model, r.params, r.state, train.x);
    const vl = await predictLogits(model, r.params, r.state, val.x);
    for (const t of [...Object.values(r.params), ...Object.values(r.state)]) t.dispose();
    const K = seeds.length;
    const logits = new Float32Array(K * nP * C);
    const masks = new Uint8Array(K * nT);
    const trainAccuracy: number[] = [];
    const valAccuracy: number[] = [];
    for (let k = 0; k < K; k++) {
      logits.set(tl.subarray(k * nT * C, (k + 1) * nT * C), k * nP * C);
      logits.set(vl.subarray(k * nV * C, (k + 1) * nV * C), (k * nP + nT) * C);
      for (const i of subsets[k]) masks[k * nT + i] = 1;
      trainAccuracy.push(accuracyFromLogits(tl.subarray(k * nT * C, (k + 1) * nT * C), nT, C, ds.train.y));
      valAccuracy.push(accuracyFromLogits(vl.subarray(k * nV * C, (k + 1) * nV * C), nV, C, ds.validation.y));
    }
    store.write(
      SUBSET_MODELS_KIND,
      key,
      { seeds, alpha, trainAccuracy, valAccuracy, seconds: r.seconds, examplesPerModel: r.examplesPerModel, divergedAtEpoch: r.divergedAtEpoch, datasetId: ds.id, model: req.model, config: req.config, backend: backend.name },
      { 'masks.npy': { dtype: 'uint8', shape: [K, nT], data: masks }, 'logits.npy': { dtype: 'float32', shape: [K, nP, C], data: logits } },
    );
    return key;
  } finally {
    for (const t of [train.x, train.y, val.x, val.y]) t.dispose();
  }
}

export function datamodelSettings(req: DatamodelRequest): { alpha: number; heldOut: number; estimator: Estimator; lambda: number | 'auto'; lambdaGrid: number[]; lambdaSearchPoints: number; groupSize: number; seedBase: number } {
  const alpha = req.alpha ?? 0.5;
  const heldOut = req.heldOut ?? Math.max(10, Math.round(0.1 * req.m));
  if (!Number.isInteger(req.m) || req.m < 1) throw new UnlearnError('bad-config', `datamodels need M ≥ 1 subset models, got ${req.m}`);
  if (!(alpha > 0 && alpha < 1)) throw new UnlearnError('bad-config', `datamodel subset fraction α must be in (0, 1), got ${alpha}`);
  if (!Number.isInteger(heldOut) || heldOut < 3 || req.m - heldOut < 2) throw new UnlearnError('bad-config', `datamodels with M = ${req.m} cannot keep ${heldOut} held-out models (need ≥ 3 held out and ≥ 2 to fit)`);
  const estimator = req.estimator ?? 'ridge';
  const lambdaSearchPoints = req.lambdaSearchPoints ?? 200;
  if (!Number.isInteger(lambdaSearchPoints) || lambdaSearchPoints < 1) throw new UnlearnError('bad-config', `λ search points must be a whole number ≥ 1, got ${lambdaSearchPoints}`);
  return {
    alpha,
    heldOut,
    estimator,
    lambda: req.lambda ?? 'auto',
    lambdaGrid: req.lambdaGrid ?? (estimator === 'lasso' ? DEFAULT_LASSO_GRID : DEFAULT_LAMBDA_GRID),
    lambdaSearchPoints,
    groupSize: req.groupSize ?? (req.model.kind === 'mlp' || req.model.kind === 'logreg' ? 50 : 4),
    seedBase: req.seedBase ?? SUBSET_SEED_BASE,
  };
}

function marginsOfRows(logits: Float32Array, rows: number, P: number, C: number, labels: Int32Array): Float32Array {
  const out = new Float32Array(rows * P);
  for (let r = 0; r < rows; r++) out.set(marginsFromLogits(logits.subarray(r * P * C, (r + 1) * P * C), P, C, labels), r * P);
  return out;
}

export async function buildDatamodels(
  req: DatamodelRequest,
  store: Store,
  opts: { signal?: AbortSignal; onProgress?: (p: DatamodelProgress) => void; workers?: number } = {},
): Promise<DatamodelResult> {
  const s = datamodelSettings(req);
  const backend = await initBackend();
  const seeds = Array.from({ length: req.m }, (_, i) => s.seedBase + i);
  const groups: number[][] = [];
  for (let i = 0; i < seeds.length; i += s.groupSize) groups.push(seeds.slice(i, i + s.groupSize));
  const groupKeys = groups.map((g) => subsetGroupKey(req, g, s.alpha, backend.key));
  const auto = s.estimator !== 'diff-means' && s.lambda === 'auto';
  const key = contentKey({ kind: DATAMODELS_KIND, groups: groupKeys, heldOut: s.heldOut, estimator: s.estimator, lambda: s.lambda, grid: auto ? s.lambdaGrid : null, ...(auto && s.estimator === 'lasso' && { searchPoints: s.lambdaSearchPoints }) });
  const existing = store.readManifest<DatamodelManifest>(DATAMODELS_KIND, key);
  if (existing) return { key, dir: store.dir(DATAMODELS_KIND, key), cached: true, manifest: existing };

  const pending = groups.map((_, i) => i).filter((i) => !store.has(SUBSET_MODELS_KIND, groupKeys[i]));
  let modelsDone = req.m - pending.reduce((a, i) => a + groups[i].length, 0);
  await runPendingGroups(
    pending.length,
    { workers: Math.min(opts.workers ?? workerCount(backend.name), pending.length), backend: backend.name, storeRoot: store.root, signal: opts.signal },
    (t) => ({ kind: 'subset-models', req, seeds: groups[pending[t]], alpha: s.alpha }),
    (t, onProgress) => trainSubsetGroup(req, groups[pending[t]], s.alpha, store, { signal: opts.signal, onProgress }),
    (p) => opts.onProgress?.({ ...p, phase: 'subset-models', modelsDone, modelsTotal: req.m }),
    (t) => (modelsDone += groups[pending[t]].length),
  );
  const started = performance.now();
  const ds = req.dataset;
  const nT = ds.train.n;
  const nV = ds.validation.n;
  const P = nT + nV;
  const C = ds.classNames.length;
  const D = P * C;
  const M = req.m;
  const masks = new Uint8Array(M * nT);
  const logits = new Float32Array(M * D);
  let row = 0;
  let trainSeconds = 0;
  let examples = 0;
  const tAcc: number[] = [];
  const vAcc: number[] = [];
  for (const k of groupKeys) {
    const gm = store.readManifest<GroupManifest>(SUBSET_MODELS_KIND, k);
    if (!gm) throw new UnlearnError('io', `subset-model group ${k} is missing`);
    const mk = store.readArray(SUBSET_MODELS_KIND, k, 'masks.npy');
    const lg = store.readArray(SUBSET_MODELS_KIND, k, 'logits.npy');
    masks.set(mk.data as Uint8Array, row * nT);
    logits.set(lg.data as Float32Array, row * D);
    row += mk.shape[0];
    trainSeconds += gm.seconds;
    examples += gm.examplesPerModel * gm.seeds.length;
    tAcc.push(...gm.trainAccuracy);
    vAcc.push(...gm.valAccuracy);
  }
  opts.onProgress?.({ phase: 'fit', modelsDone: M, modelsTotal: M, epoch: 0, epochs: 1, step: 0, totalSteps: 1, loss: NaN, examplesPerSecond: 0, etaSeconds: NaN });

  const mFit = M - s.heldOut;
  const fitMasks = masks.subarray(0, mFit * nT);
  const fitOut = logits.subarray(0, mFit * D);
  const heldMasks = masks.subarray(mFit * nT);
  const heldOut = logits.subarray(mFit * D);
  const labels = new Int32Array(P);
  labels.set(ds.train.y, 0);
  labels.set(ds.validation.y, nT);
  const actual = marginsOfRows(heldOut, s.heldOut, P, C, labels);
  const score = (pred: Float32Array) => linearDatamodelScore(marginsOfRows(pred, s.heldOut, P, C, labels), actual, s.heldOut, P);
  const cancelled = () => {
    if (opts.signal?.aborted) throw new UnlearnError('cancelled', 'datamodel fit was cancelled');
  };

  const lambdaSearch: Array<{ lambda: number; lds: number }> = [];
  const pickBest = (ldsOf: (l: number) => number): number => {
    let best = -Infinity;
    let chosen = s.lambdaGrid[0];
    for (const l of s.lambdaGrid) {
      cancelled();
      const lds = ldsOf(l);
      lambdaSearch.push({ lambda: l, lds });
      if (lds > best) {
        best = lds;
        chosen = l;
      }
    }
    return chosen;
  };
  let fitter: BlockFitter | undefined;
  let fitted: { intercept: Float64Array; maskMean: Float64Array; lambda: number | null } | undefined;
  let lasso: LassoProblem | undefined;
  const heldPred = new Float32Array(s.heldOut * D);
  const betaPath = store.tempFile(DATAMODELS_KIND, BETA_FILE);
  try {
    if (s.estimator === 'ridge') {
      const problem = new RidgeProblem(fitMasks, mFit, nT, fitOut, D);
      fitter = problem.fitter(s.lambda === 'auto' ? pickBest((l) => score(problem.predict(l, heldMasks, s.heldOut)).mean) : s.lambda);
    } else if (s.estimator === 'lasso') {
      lasso = new LassoProblem(fitMasks, mFit, nT, fitOut, D);
      const problem = lasso;
      let rho = s.lambda === 'auto' ? NaN : s.lambda;
      if (s.lambda === 'auto') {
        const points = s.lambdaSearchPoints >= P ? Int32Array.from({ length: P }, (_, i) => i) : sortedSample(deriveSeed(s.seedBase, 'lasso-lambda-search'), P, s.lambdaSearchPoints);
        const cols = Int32Array.from({ length: points.length * C }, (_, k) => points[Math.floor(k / C)] * C + (k % C));
        const sampleLabels = Int32Array.from(points, (p) => labels[p]);
        const sampleActual = new Float32Array(s.heldOut * points.length);
        for (let r = 0; r < s.heldOut; r++) for (let k = 0; k < points.length; k++) sampleActual[r * points.length + k] = actual[r * P + points[k]];
        const hp = new MaskPredictor(heldMasks, s.heldOut, nT, problem.maskMean);
        try {
          const preds = problem.predictPath(s.lambdaGrid, cols, hp);
          rho = pickBest((l) => linearDatamodelScore(marginsOfRows(preds[s.lambdaGrid.indexOf(l)], s.heldOut, points.length, C, sampleLabels), sampleActual, s.heldOut, points.length).mean);
        } finally {
          hp.dispose();
        }
      }
      fitter = problem.fitter(rho);
    } else {
      fitter = diffMeansFitter(fitMasks, mFit, nT, fitOut, D);
    }
    fitted = { intercept: fitter.intercept, maskMean: fitter.maskMean, lambda: fitter.lambda ?? null };

    // β block by block, straight into the file; the held-out predictions ([h × D], small) alongside.
    const block = Math.max(1, Math.ceil((req.blockColumns ?? Math.max(TILE, Math.floor(2 ** 22 / nT))) / TILE)) * TILE;
    const writer = new BetaWriter(betaPath, nT, P, C);
    const held = new MaskPredictor(heldMasks, s.heldOut, nT, fitter.maskMean);
    try {
      const blocks = Math.ceil(D / block);
      for (let c0 = 0; c0 < D; c0 += block) {
        cancelled();
        opts.onProgress?.({ phase: 'fit', modelsDone: M, modelsTotal: M, epoch: 0, epochs: 1, step: c0 / block, totalSteps: blocks, loss: NaN, examplesPerSecond: 0, etaSeconds: NaN });
        const w = Math.min(block, D - c0);
        const beta = fitter.fitColumns(c0, w);
        writer.writeColumns(c0, w, beta);
        const cols = Int32Array.from({ length: w }, (_, k) => c0 + k);
        const pred = held.predict(beta, cols, fitter.intercept);
        for (let r = 0; r < s.heldOut; r++) heldPred.set(pred.subarray(r * w, (r + 1) * w), r * D + c0);
      }
      writer.close();
    } catch (e) {
      writer.abort();
      throw e;
    } finally {
      held.dispose();
    }
  } finally {
    fitter?.dispose();
    lasso?.dispose();
  }
  const q = score(heldPred);
  const trainTargets = Int32Array.from({ length: nT }, (_, i) => i);
  const valTargets = Int32Array.from({ length: nV }, (_, i) => nT + i);
  const quality: DatamodelQuality = { lds: q.mean, ldsTrain: meanDefined(q.perTarget, trainTargets), ldsVal: meanDefined(q.perTarget, valTargets), slope: q.slope, heldOut: s.heldOut };
  const fitSeconds = (performance.now() - started) / 1000;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const manifest: Omit<DatamodelManifest, 'kind' | 'key' | 'createdAt'> = {
    engineVersion: ENGINE_VERSION,
    backend: backend.name,
    dataset: { id: ds.id, name: ds.name, nTrain: nT, nVal: nV },
    model: req.model,
    config: req.config,
    m: M,
    mFit,
    alpha: s.alpha,
    estimator: s.estimator,
    lambda: fitted.lambda,
    lambdaSearch,
    ...(s.estimator === 'lasso' && s.lambda === 'auto' && { lambdaSearchPoints: Math.min(s.lambdaSearchPoints, P) }),
    quality,
    groups: groups.map((g, i) => ({ seeds: g, key: groupKeys[i] })),
    subsetTrainAccuracy: mean(tAcc),
    subsetValAccuracy: mean(vAcc),
    seconds: { training: trainSeconds, fit: fitSeconds },
    precomputeExamples: examples,
    points: { train: nT, val: nV },
    classes: C,
  };
  store.write(DATAMODELS_KIND, key, manifest, {
    'intercept.npy': { dtype: 'float64', shape: [P, C], data: fitted.intercept },
    'mask-mean.npy': { dtype: 'float64', shape: [nT], data: fitted.maskMean },
    'masks.npy': { dtype: 'uint8', shape: [M, nT], data: masks },
    'logits.npy': { dtype: 'float32', shape: [M, P, C], data: logits },
    'lds.npy': { dtype: 'float64', shape: [P], data: q.perTarget },
  }, {}, { [BETA_FILE]: { path: betaPath, dtype: 'float32', shape: [nT, P, C] } });
  const written = store.readManifest<DatamodelManifest>(DATAMODELS_KIND, key);
  if (!written) throw new UnlearnError('io', `datamodels ${key} were not written`);
  return { key, dir: store.dir(DATAMODELS_KIND, key), cached: false, manifest: written };
}

export function readLdsPerTarget(store: Store, key: string): Float64Array {
  return store.readArray(DATAMODELS_KIND, key, 'lds.npy').data as Float64Array;
}
