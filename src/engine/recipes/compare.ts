/**
 * The cost-vs-KLoM comparison (the seed's Figure 2): every requested unlearner applied to the
 * N originals at several budgets, each scored per point with KLoM against the N evaluation
 * oracles, beside the "do nothing" and "oracle noise floor" rows. Datamodel-based methods
 * reuse (or first compute) the datamodels of the recipe; their LDS and M go with their rows.
 * Stored as one artifact of kind `comparisons`: per-point KLoM per method × budget, the
 * unlearned models' margins beside it (margins/…, for per-point views), the forget set's indices,
 * summary JSON and CSV, and a plot-ready cost vs average-p99 table.
 */
import { buildDatamodels, readLdsPerTarget, type DatamodelProgress, type DatamodelRequest, type DatamodelResult } from '../attribution/datamodels';
import { sumBetaRows } from '../attribution/beta-file';
import { meanDefined } from '../attribution/lds';
import { buildTrakDatamodels, storedRegressionDatamodels, type TrakRequest, type TrakResult } from '../attribution/trak';
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import { csvField } from '../eval/export';
import { scoreKlom, type KlomOptions } from '../eval/klom';
import { summarizeKlom, type KlomSummary } from '../eval/summary';
import type { ForgetSet } from '../forget/forget-set';
import type { ModelSpec } from '../models';
import type { NpyArray } from '../store/npy';
import { contentKey } from '../store/hash';
import type { Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import type { TrainProgress } from '../train/trainer';
import { datamodelDirectLogits, scoreLogits, unlearnOriginals, type AccuracyBySplit, type UnlearnOriginalsResult } from '../unlearn/apply';
import type { LoadedPlugin } from '../unlearn/plugin-loader';
import { costOf, type UnlearnCost } from '../unlearn/run';
import { METHOD_LABELS, resolveMethodSettings, type MethodId, type MethodSettings, type MethodSettingsOverrides, type UnlearnPresetName } from '../unlearn/settings';
import { ENSEMBLES_KIND } from './ensemble';
import { EVALS_KIND, evaluateReferences, type ReferencesResult } from './references';

export const COMPARISONS_KIND = 'comparisons';
export const DEFAULT_COMPARE_METHODS: MethodId[] = ['gd', 'ga', 'gdga', 'scrub', 'om', 'om-pm', 'dm-direct', 'dmm'];
const REGRESSION_DM_METHODS: readonly MethodId[] = ['dm-direct', 'dmm'];
const TRAK_METHODS: readonly MethodId[] = ['dm-direct-trak', 'dmm-trak'];
const DATAMODEL_METHODS: readonly MethodId[] = [...REGRESSION_DM_METHODS, ...TRAK_METHODS];

export interface CompareRequest {
  dataset: Dataset;
  model: ModelSpec;
  config: TrainConfig;
  n: number;
  groupSize?: number;
  forgetSet: ForgetSet;
  methods?: MethodId[];
  /** Plug-in unlearners, run after the built-in methods, each at its budgets (types/unlearner-plugin.d.ts). */
  plugins?: readonly LoadedPlugin[];
  unlearnPreset?: UnlearnPresetName;
  overrides?: MethodSettingsOverrides;
  /** Budgets in epochs per method, replacing the preset's. */
  budgets?: Partial<Record<MethodId, number[]>>;
  /** Datamodel settings for DM-Direct / DMM (M defaults to n_train, SPEC §8 quick). */
  datamodels?: Partial<Omit<DatamodelRequest, 'dataset' | 'model' | 'config'>>;
  /** TRAK settings for DM-Direct (TRAK) / DMM (TRAK); held-out models are the regression datamodels' when those run too. */
  trak?: Partial<Omit<TrakRequest, 'dataset' | 'model' | 'config' | 'originals' | 'heldOutFrom'>>;
  klom?: Omit<KlomOptions, 'divergedUnlearned' | 'divergedOracle'>;
  preset?: string;
}

export interface DatamodelInfo {
  key: string;
  estimator: string;
  m: number;
  mFit: number;
  lambda: number | null;
  lds: number;
  ldsForget: number;
  ldsTrain?: number;
  ldsVal?: number;
  slope: number;
  /** Held-out subset models the LDS was measured on. */
  heldOut?: number;
  /** TRAK: the scale fitted on the held-out models, the projection dimension, and T (= m). */
  scale?: number;
  k?: number;
  /** One-off precomputation, as a fraction of retraining one model on R, and in seconds. */
  precomputeCost: number;
  precomputeSeconds: number;
}

export interface CompareRow {
  /** A built-in MethodId, `do-nothing` / `noise-floor`, or a plug-in's id. */
  method: string;
  /** A plug-in's row: the module it came from (its file's SHA-256 is part of the comparison's key). */
  plugin?: { file: string; sha256: string };
  label: string;
  epochs: number;
  steps: number;
  /** Per-request cost (fraction of retraining one model on R). */
  cost: UnlearnCost;
  /** OM: the oracle retrainings its targets presuppose (per unlearned model), beside its cost. */
  presupposedRetrainings?: number;
  /** OM: the ensemble its targets came from (the noise-floor oracles, never the evaluation ones). */
  targetsFrom?: string;
  datamodel?: DatamodelInfo;
  nUnlearned: number;
  nOracle: number;
  summary: KlomSummary;
  accuracy: AccuracyBySplit;
  diverged: boolean;
  /** Models that diverged and the (0-based) epoch where they did. */
  divergedModels: Array<{ model: number; epoch: number | null }>;
  lossTrace: Array<{ epoch: number; phase: string; loss: number }>;
  /** Per-point KLoM file in the artifact. */
  klomFile: string;
  seconds: number;
}

export interface CompareResult {
  key: string;
  dir: string;
  cached: boolean;
  forgetSet: string;
  forgetSize: number;
  n: number;
  backend: string;
  seeds: { originals: string; oracles: string; floor: string };
  originalsAccuracy: { train: number; val: number };
  unlearnPreset: UnlearnPresetName;
  settings: MethodSettings;
  rows: CompareRow[];
  datamodels?: DatamodelInfo;
  /** TRAK datamodels, LDS measured on the same held-out models as `datamodels` when both ran. */
  trak?: DatamodelInfo;
  /** Wall time per phase (references covers the three ensembles; klom is every KLoM scoring, also counted in its phase). */
  seconds: Record<string, number>;
}

export type CompareProgress = TrainProgress & { phase: string; modelsDone: number; modelsTotal: number };

/** The forget set's training indices (int32), stored beside the per-point files. */
export const COMPARISON_FORGET_FILE = 'forget.npy';
/** Margins [N × P] float32 of a trained or predicted row's unlearned models, beside its per-point KLoM file. */
export const marginsFileOf = (klomFile: string): string => klomFile.replace(/^klom\//, 'margins/');

const range = (s: number[]) => (s.length === 0 ? '' : `${s[0]}..${s[s.length - 1]}`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function readEnsembleLogits(store: Store, key: string): { data: Float32Array; N: number; P: number; C: number } {
  const a = store.readArray(ENSEMBLES_KIND, key, 'logits.npy');
  return { data: a.data as Float32Array, N: a.shape[0], P: a.shape[1], C: a.shape[2] };
}

/** Rows [N × P × C] → the training points only, [rows × nTrain × C]. */
export function trainSlice(logits: Float32Array, rows: number[], P: number, nTrain: number, C: number): Float32Array {
  const out = new Float32Array(rows.length * nTrain * C);
  rows.forEach((r, k) => out.set(logits.subarray(r * P * C, (r * P + nTrain) * C), k * nTrain * C));
  return out;
}

/**
 * OM's target on the training points: the mean logits of the first k oracles of `oracleLogits`
 * ([N × P × C]). The caller passes the noise-floor oracles: never the evaluation oracles, or OM
 * would be matched to the very models it is scored against.
 */
export function meanOracleTargets(oracleLogits: Float32Array, k: number, P: number, nTrain: number, C: number): Float32Array {
  const out = new Float64Array(nTrain * C);
  for (let j = 0; j < k; j++) {
    const o = oracleLogits.subarray(j * P * C, (j * P + nTrain) * C);
    for (let d = 0; d < nTrain * C; d++) out[d] += o[d];
  }
  return Float32Array.from(out, (v) => v / k);
}

export async function compareUnlearners(
  req: CompareRequest,
  store: Store,
  opts: { signal?: AbortSignal; onProgress?: (p: CompareProgress) => void; /** Worker processes for the unlearning methods (default: workerCount). */ workers?: number } = {},
): Promise<CompareResult> {
  const plugins = req.plugins ?? [];
  const methods = req.methods ?? (plugins.length ? [] : DEFAULT_COMPARE_METHODS);
  if (methods.length === 0 && plugins.length === 0) throw new UnlearnError('bad-config', 'no methods to compare');
  const presetName = req.unlearnPreset ?? 'workbench';
  const settings = resolveMethodSettings(presetName, req.overrides);
  const ds = req.dataset;
  const nT = ds.train.n;
  const nV = ds.validation.n;
  const P = nT + nV;
  const C = ds.classNames.length;
  const forget = Int32Array.from(req.forgetSet.indices).sort();
  const nR = nT - forget.length;
  const labels = new Int32Array(P);
  labels.set(ds.train.y, 0);
  labels.set(ds.validation.y, nT);
  const seconds: Record<string, number> = {};
  const progress = (phase: string) => (opts.onProgress ? (p: TrainProgress & { modelsDone?: number; modelsTotal?: number }) => opts.onProgress?.({ modelsDone: 0, modelsTotal: req.n, ...p, phase }) : undefined);

  let t0 = performance.now();
  const refs: ReferencesResult = await evaluateReferences(
    { dataset: ds, model: req.model, config: req.config, n: req.n, groupSize: req.groupSize, forgetSet: req.forgetSet, klom: req.klom, preset: req.preset },
    store,
    { signal: opts.signal, onProgress: opts.onProgress ? (p) => opts.onProgress?.({ ...p, phase: `references: ${p.phase}` }) : undefined },
  );
  seconds.references = (performance.now() - t0) / 1000;
  const orac = store.readArray(ENSEMBLES_KIND, refs.ensembles.oracles.key, 'margins.npy').data as Float32Array;
  const oracleDiverged = refs.ensembles.oracles.manifest.divergedAtEpoch.map((d) => d !== null);
  const originals = refs.ensembles.originals;
  const N = originals.manifest.seeds.length;

  let dm: DatamodelResult | undefined;
  let dmInfo: DatamodelInfo | undefined;
  if (methods.some((m) => REGRESSION_DM_METHODS.includes(m))) {
    t0 = performance.now();
    dm = await buildDatamodels({ m: nT, ...req.datamodels, dataset: ds, model: req.model, config: req.config }, store, {
      signal: opts.signal,
      onProgress: opts.onProgress ? (p: DatamodelProgress) => opts.onProgress?.({ ...p, phase: `datamodels: ${p.phase}` }) : undefined,
    });
    seconds.datamodels = (performance.now() - t0) / 1000;
    const q = dm.manifest.quality;
    dmInfo = {
      key: dm.key,
      estimator: dm.manifest.estimator,
      m: dm.manifest.m,
      mFit: dm.manifest.mFit,
      lambda: dm.manifest.lambda,
      lds: q.lds,
      ldsForget: meanDefined(readLdsPerTarget(store, dm.key), forget),
      ldsTrain: q.ldsTrain,
      ldsVal: q.ldsVal,
      slope: q.slope,
      heldOut: q.heldOut,
      precomputeCost: dm.manifest.precomputeExamples / (nR * req.config.epochs),
      precomputeSeconds: dm.manifest.seconds.training + dm.manifest.seconds.fit,
    };
  }
  let trak: TrakResult | undefined;
  let trakInfo: DatamodelInfo | undefined;
  if (methods.some((m) => TRAK_METHODS.includes(m))) {
    t0 = performance.now();
    trak = await buildTrakDatamodels({ ...req.trak, dataset: ds, model: req.model, config: req.config, originals, heldOutFrom: dm?.key ?? storedRegressionDatamodels(store, ds, req.model, req.config) }, store, {
      signal: opts.signal,
      onProgress: opts.onProgress ? (p) => opts.onProgress?.({ ...p, phase: `TRAK: ${p.phase}` }) : undefined,
    });
    seconds.trak = (performance.now() - t0) / 1000;
    const tm = trak.manifest;
    trakInfo = {
      key: trak.key,
      estimator: 'trak',
      m: tm.models,
      mFit: tm.models,
      lambda: tm.lambda,
      lds: tm.quality.lds,
      ldsForget: meanDefined(readLdsPerTarget(store, trak.key), forget),
      ldsTrain: tm.quality.ldsTrain,
      ldsVal: tm.quality.ldsVal,
      slope: tm.quality.slope,
      heldOut: tm.quality.heldOut,
      scale: tm.scale,
      k: tm.k,
      precomputeCost: tm.precomputeExamples / (nR * req.config.epochs),
      precomputeSeconds: tm.seconds.features + tm.seconds.heldOutTraining + tm.seconds.scale,
    };
  }

  const key = contentKey({
    kind: COMPARISONS_KIND,
    ensembles: [originals.key, refs.ensembles.oracles.key, refs.ensembles['oracles-floor'].key],
    datamodels: dm?.key ?? null,
    ...(trak && { trak: trak.key }),
    methods,
    settings,
    budgets: req.budgets ?? {},
    forget: Array.from(forget),
    klom: req.klom ?? {},
    ...(plugins.length > 0 && { plugins: plugins.map((p) => ({ id: p.id, sha256: p.sha256, budgets: p.budgets })) }),
  });
  const existing = store.readManifest(COMPARISONS_KIND, key);
  if (existing && existing.result) return { ...(existing.result as CompareResult), cached: true, dir: store.dir(COMPARISONS_KIND, key) };

  const arrays: Record<string, NpyArray> = {};
  const rows: CompareRow[] = [];
  // Scoring time is kept apart (seconds.klom, the references' scoring included) so that a
  // benchmark can show the evaluation as its own phase; seconds[method] still includes it.
  let klomSeconds = refs.seconds.klom;
  const score = (margins: Float32Array, diverged: Array<number | null>) => {
    const started = performance.now();
    const r = scoreKlom(margins, orac, P, { ...req.klom, divergedUnlearned: diverged.map((d) => d !== null), divergedOracle: oracleDiverged });
    klomSeconds += (performance.now() - started) / 1000;
    return r;
  };
  const summarize = (values: Float64Array) => summarizeKlom({ klom: values, nTrain: nT, forget });

  // Reference rows, from the stored per-point values of the references' evaluation.
  const refDir = (name: string) => store.readArray(EVALS_KIND, refs.key, name).data as Float64Array;
  const refRows: Array<['do-nothing' | 'noise-floor', string, string, number]> = [
    ['do-nothing', 'do nothing', 'klom-do-nothing.npy', 0],
    ['noise-floor', 'oracle noise floor (= Retrain)', 'klom-noise-floor.npy', 1],
  ];
  for (const [method, label, file, cost] of refRows) {
    const values = refDir(file);
    const ens = method === 'do-nothing' ? originals : refs.ensembles['oracles-floor'];
    const m = ens.manifest;
    arrays[`klom/${method}.npy`] = { dtype: 'float64', shape: [P], data: values };
    rows.push({
      method,
      label,
      epochs: method === 'noise-floor' ? req.config.epochs : 0,
      steps: 0,
      cost: cost === 0 ? costOf(0, 0, nR, req.config.epochs) : costOf(nR * req.config.epochs, 0, nR, req.config.epochs),
      nUnlearned: m.seeds.length,
      nOracle: refs.ensembles.oracles.manifest.seeds.length,
      summary: summarize(values),
      accuracy: scoreLogits(readEnsembleLogits(store, ens.key).data, m.seeds.length, P, C, labels, nT, forget).accuracy,
      diverged: m.divergedAtEpoch.some((d) => d !== null),
      divergedModels: m.divergedAtEpoch.flatMap((d, i) => (d !== null ? [{ model: i, epoch: d }] : [])),
      lossTrace: [],
      klomFile: `klom/${method}.npy`,
      seconds: 0,
    });
  }

  const floorLogits = methods.some((m) => m === 'om' || m === 'om-pm') ? readEnsembleLogits(store, refs.ensembles['oracles-floor'].key) : undefined;
  const origLogits = methods.some((m) => DATAMODEL_METHODS.includes(m)) ? readEnsembleLogits(store, originals.key) : undefined;
  // DM-Direct and DMM need Σ_{i∈F} β_i only: |F| rows of β, read from the file.
  const sumFRegression = dm ? sumBetaRows(dm.dir, forget) : undefined;
  const sumFTrak = trak ? sumBetaRows(trak.dir, forget) : undefined;

  for (const method of methods) {
    t0 = performance.now();
    const label = METHOD_LABELS[method];
    const withDm = TRAK_METHODS.includes(method) ? trakInfo : REGRESSION_DM_METHODS.includes(method) ? dmInfo : undefined;
    const sumF = TRAK_METHODS.includes(method) ? sumFTrak : sumFRegression;
    if (method === 'dm-direct' || method === 'dm-direct-trak') {
      if (!origLogits || !sumF) throw new UnlearnError('bad-config', 'DM-Direct needs the originals and datamodels');
      const pred = datamodelDirectLogits(origLogits.data, N, P, C, sumF);
      const sc = scoreLogits(pred, N, P, C, labels, nT, forget);
      const bad = Array.from({ length: N }, (_, k) => (sc.margins.subarray(k * P, (k + 1) * P).some((v) => !Number.isFinite(v)) ? 0 : null));
      const r = score(sc.margins, bad);
      const file = `klom/${method}.npy`;
      arrays[file] = { dtype: 'float64', shape: [P], data: r.values };
      arrays[marginsFileOf(file)] = { dtype: 'float32', shape: [N, P], data: sc.margins };
      rows.push({
        method,
        label,
        epochs: 0,
        steps: 0,
        cost: costOf(0, 0, nR, req.config.epochs),
        datamodel: withDm,
        nUnlearned: r.nUnlearned,
        nOracle: r.nOracle,
        summary: summarize(r.values),
        accuracy: sc.accuracy,
        diverged: r.divergedUnlearned.length > 0,
        divergedModels: r.divergedUnlearned.map((m) => ({ model: m, epoch: null })),
        lossTrace: [],
        klomFile: file,
        seconds: (performance.now() - t0) / 1000,
      });
      seconds[method] = (performance.now() - t0) / 1000;
      continue;
    }
    let targets: ((rows: number[]) => { data: Float32Array; perModel: boolean }) | undefined;
    let presupposed: number | undefined;
    if (method === 'om' || method === 'om-pm') {
      const fl = floorLogits;
      if (!fl) throw new UnlearnError('bad-config', 'OM needs the noise-floor oracles');
      if (method === 'om') {
        const k = settings.om.numOracles;
        if (k > fl.N) throw new UnlearnError('bad-config', `OM wants the mean of ${k} oracles but the noise-floor set has ${fl.N}; lower om.numOracles or raise N`);
        const mean0 = meanOracleTargets(fl.data, k, P, nT, C);
        targets = () => ({ data: mean0, perModel: false });
        presupposed = k;
      } else {
        if (fl.N < N) throw new UnlearnError('bad-config', `per-model OM matches original j to noise-floor oracle j: needs ${N} of them, has ${fl.N}`);
        targets = (rs) => ({ data: trainSlice(fl.data, rs, P, nT, C), perModel: true });
        presupposed = 1;
      }
    } else if (method === 'dmm' || method === 'dmm-trak') {
      const ol = origLogits;
      const s = sumF;
      if (!ol || !s) throw new UnlearnError('bad-config', 'DMM needs the originals and datamodels');
      targets = (rs) => {
        const t = trainSlice(ol.data, rs, P, nT, C);
        for (let k = 0; k < rs.length; k++) for (let d = 0; d < nT * C; d++) t[k * nT * C + d] -= s[d];
        return { data: t, perModel: true };
      };
    }
    const run = await unlearnOriginals(
      { dataset: ds, model: req.model, config: req.config, originals, method, settings, forget, targets, budgets: req.budgets?.[method] },
      store,
      { signal: opts.signal, onProgress: progress(`${label}`), workers: opts.workers },
    );
    addBudgetRows(method, label, run, {
      presupposedRetrainings: presupposed,
      targetsFrom: method === 'om' || method === 'om-pm' ? refs.ensembles['oracles-floor'].key : undefined,
      datamodel: withDm,
    });
    seconds[method] = (performance.now() - t0) / 1000;
  }

  for (const plugin of plugins) {
    t0 = performance.now();
    const run = await unlearnOriginals({ dataset: ds, model: req.model, config: req.config, originals, method: plugin.id, plugin, settings, forget }, store, { signal: opts.signal, onProgress: progress(plugin.id), workers: opts.workers });
    addBudgetRows(plugin.id, plugin.label, run, { plugin: { file: plugin.file, sha256: plugin.sha256 } });
    seconds[plugin.id] = (performance.now() - t0) / 1000;
  }

  /** One row per budget of a trained method, scored against the evaluation oracles. */
  function addBudgetRows(method: string, label: string, run: UnlearnOriginalsResult, extra: Pick<CompareRow, 'presupposedRetrainings' | 'targetsFrom' | 'datamodel' | 'plugin'>): void {
    for (const b of run.budgets) {
      const r = score(b.margins, b.divergedAtEpoch);
      const file = `klom/${method}-e${b.epochs}.npy`;
      arrays[file] = { dtype: 'float64', shape: [P], data: r.values };
      arrays[marginsFileOf(file)] = { dtype: 'float32', shape: [N, P], data: b.margins };
      const divergedModels = b.divergedAtEpoch.flatMap((d, i) => (d !== null ? [{ model: i, epoch: d }] : []));
      rows.push({
        method,
        label,
        epochs: b.epochs,
        steps: b.steps,
        cost: b.cost,
        ...extra,
        nUnlearned: r.nUnlearned,
        nOracle: r.nOracle,
        summary: summarize(r.values),
        accuracy: b.accuracy,
        diverged: divergedModels.length > 0,
        divergedModels,
        lossTrace: b.lossTrace,
        klomFile: file,
        seconds: run.seconds,
      });
    }
  }

  seconds.klom = klomSeconds;
  const om = refs.ensembles.originals.manifest;
  const result: CompareResult = {
    key,
    dir: store.dir(COMPARISONS_KIND, key),
    cached: false,
    forgetSet: req.forgetSet.name,
    forgetSize: forget.length,
    n: N,
    backend: refs.backend,
    seeds: { originals: range(om.seeds), oracles: range(refs.ensembles.oracles.manifest.seeds), floor: range(refs.ensembles['oracles-floor'].manifest.seeds) },
    originalsAccuracy: { train: mean(om.trainAccuracy), val: mean(om.valAccuracy) },
    unlearnPreset: presetName,
    settings,
    rows,
    datamodels: dmInfo,
    trak: trakInfo,
    seconds,
  };
  arrays[COMPARISON_FORGET_FILE] = { dtype: 'int32', shape: [forget.length], data: forget };
  store.write(
    COMPARISONS_KIND,
    key,
    {
      forgetSet: req.forgetSet.name,
      datasetId: ds.id,
      references: refs.key,
      datamodels: dm?.key ?? null,
      trak: trak?.key ?? null,
      ensembles: { originals: originals.key, oracles: refs.ensembles.oracles.key, 'oracles-floor': refs.ensembles['oracles-floor'].key },
      points: { train: nT, val: nV },
      result,
    },
    arrays,
    { 'summary.json': `${JSON.stringify(result, null, 2)}\n`, 'summary.csv': compareCsv(result), 'figure2.csv': figure2Csv(result), 'figure2.json': `${JSON.stringify(figure2Points(result), null, 2)}\n` },
  );
  return result;
}

const SPLITS = ['forget', 'retain', 'validation'] as const;

export function compareCsv(r: CompareResult): string {
  const header = ['method', 'label', 'epochs', 'steps', 'cost', 'presupposed_retrainings', 'precompute_cost', 'N_unlearned', 'N_oracle'];
  for (const s of SPLITS) header.push(`${s}_p95`, `${s}_p99`, `${s}_mean`);
  header.push('avg_p95', 'avg_p99', 'acc_forget', 'acc_retain', 'acc_validation', 'diverged', 'diverged_models', 'lds', 'lds_forget', 'calibration_slope', 'M', 'backend');
  const lines = [header.join(',')];
  for (const x of r.rows) {
    const f: Array<string | number | boolean | null | undefined> = [x.method, x.label, x.epochs, x.steps, x.cost.fraction, x.presupposedRetrainings, x.datamodel?.precomputeCost, x.nUnlearned, x.nOracle];
    for (const s of SPLITS) f.push(x.summary[s].p95, x.summary[s].p99, x.summary[s].mean);
    f.push(x.summary.headline.p95, x.summary.headline.p99, x.accuracy.forget, x.accuracy.retain, x.accuracy.validation, x.diverged, x.divergedModels.length, x.datamodel?.lds, x.datamodel?.ldsForget, x.datamodel?.slope, x.datamodel?.m, r.backend);
    lines.push(f.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export interface Figure2Point {
  method: string;
  label: string;
  epochs: number;
  steps: number;
  cost: number;
  avgP99: number | null;
  avgP95: number | null;
  diverged: boolean;
  N: number;
}

export function figure2Points(r: CompareResult): Figure2Point[] {
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  return r.rows.map((x) => ({ method: x.method, label: x.label, epochs: x.epochs, steps: x.steps, cost: x.cost.fraction, avgP99: num(x.summary.headline.p99), avgP95: num(x.summary.headline.p95), diverged: x.diverged, N: x.nUnlearned }));
}

export function figure2Csv(r: CompareResult): string {
  const lines = ['method,label,epochs,steps,cost,avg_p99,avg_p95,diverged,N'];
  for (const p of figure2Points(r)) lines.push([p.method, p.label, p.epochs, p.steps, p.cost, p.avgP99, p.avgP95, p.diverged, p.N].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
