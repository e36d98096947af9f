/**
 * The runners of `unlearn/estimateDatamodels`, `unlearn/runUnlearners` and `unlearn/compare`:
 * params → the engine modules' requests (src/engine/attribution, src/engine/unlearn,
 * src/engine/recipes/compare.ts), the job's signal and progress → their options, their results →
 * the protocol's result shapes. Loaded on first use (it pulls in TensorFlow.js).
 *
 * Progress phases: `load-data`, then `originals`, `oracles`, `floor` (the noise-floor oracles),
 * `datamodels`, and one phase per method id (`gd`, `om`, `dmm`, …), in the order they run. The
 * job's fraction weighs each phase by its work (examples per model × models), so a cached phase
 * is skipped over and the fraction never goes back.
 */
import { buildDatamodels, datamodelSettings, readLdsPerTarget, sumBetaRows, ESTIMATORS, type DatamodelRequest, type DatamodelResult, type Estimator } from '../attribution';
import { meanDefined } from '../attribution/lds';
import { initBackend } from '../backend/select';
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import type { ForgetSet } from '../forget/forget-set';
import type { ModelSpec } from '../models';
import { COMPARISON_FORGET_FILE, COMPARISONS_KIND, compareUnlearners, marginsFileOf, meanOracleTargets, trainSlice, type DatamodelInfo } from '../recipes/compare';
import { defaultGroupSize, ENSEMBLES_KIND, trainEnsembleArtifact, type EnsembleResult } from '../recipes/ensemble';
import { EVALS_KIND } from '../recipes/references';
import { contentKey } from '../store/hash';
import type { NpyArray } from '../store/npy';
import type { Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import type { TrainProgress } from '../train/trainer';
import { costOf, datamodelDirectLogits, METHOD_LABELS, resolveMethodSettings, scoreLogits, unlearnOriginals, type MethodId, type MethodSettings, type MethodSettingsOverrides } from '../unlearn';
import { loadPlugins, splitMethods, type LoadedPlugin } from '../unlearn/plugin-loader';
import { settingsFor } from '../unlearn/settings';
import { DATAMODEL_ESTIMATORS, type JobResult, type ParsedJobParams } from '../../protocol';
import { COMPARISONS, ENSEMBLES, EVALS, FORGET_FILE, compareResultOut, datamodelOut, marginsFile } from './comparisons';
import type { JobContext, ProgressUpdate } from './queue';
import { datasetFor, resolveForgetSet, throwIfCancelled } from './resources';

// Compile-time and load-time checks that the protocol's copies are the engine's.
const _estimators: readonly Estimator[] = DATAMODEL_ESTIMATORS;
const _estimatorsBack: readonly (typeof DATAMODEL_ESTIMATORS)[number][] = ESTIMATORS;
void _estimators;
void _estimatorsBack;
if (COMPARISONS !== COMPARISONS_KIND || ENSEMBLES !== ENSEMBLES_KIND || EVALS !== EVALS_KIND || FORGET_FILE !== COMPARISON_FORGET_FILE || marginsFile('klom/x.npy') !== marginsFileOf('klom/x.npy')) {
  throw new Error('src/engine/jobs/comparisons.ts is out of step with src/engine/recipes');
}

/** Stored results of runUnlearners: margins of the unlearned models per method × budget. */
export const UNLEARNED_KIND = 'unlearned';
const DATAMODEL_METHODS: readonly MethodId[] = ['dm-direct', 'dmm', 'dmm-trak'];
const OM_METHODS: readonly MethodId[] = ['om', 'om-pm'];

// ---------------------------------------------------------------------------------------------
// Progress

interface Phase {
  name: string;
  /** Work in examples processed (all models). */
  weight: number;
}

/** The job's fraction over phases of known relative size; never goes back. */
class PhasedProgress {
  private last = 0;
  private readonly total: number;
  constructor(
    private readonly ctx: JobContext,
    private readonly phases: Phase[],
  ) {
    this.total = phases.reduce((a, p) => a + p.weight, 0) || 1;
  }

  report(phase: string, within: number, t: Partial<TrainProgress> & { modelsDone?: number; modelsTotal?: number }): void {
    const i = this.phases.findIndex((p) => p.name === phase);
    if (i >= 0) {
      const before = this.phases.slice(0, i).reduce((a, p) => a + p.weight, 0);
      const w = Math.min(1, Math.max(0, Number.isFinite(within) ? within : 0));
      this.last = Math.max(this.last, Math.min(1, (before + this.phases[i].weight * w) / this.total));
    }
    const u: ProgressUpdate = {
      phase,
      step: Math.max(0, Math.round(t.step ?? 0)),
      total: Math.max(0, Math.round(t.totalSteps ?? 0)),
      fraction: this.last,
      loss: t.loss ?? null,
    };
    if (t.epoch !== undefined && t.epochs !== undefined) Object.assign(u, { epoch: t.epoch, epochs: t.epochs });
    if (t.examplesPerSecond !== undefined) u.examplesPerSecond = t.examplesPerSecond;
    if (t.modelsDone !== undefined && t.modelsTotal !== undefined) Object.assign(u, { modelsDone: t.modelsDone, modelsTotal: t.modelsTotal });
    this.ctx.progress(u);
  }
}

/** Whole-ensemble fraction (the trainer's step counts cover every group still to train). */
function ensembleWithin(t: TrainProgress & { modelsDone: number; modelsTotal: number }): number {
  if (t.totalSteps > 0) return t.step / t.totalSteps;
  return t.modelsTotal > 0 ? t.modelsDone / t.modelsTotal : 0;
}

/** Fraction of a phase that trains models in groups of `groupSize`, one group at a time. */
function groupedWithin(t: TrainProgress & { modelsDone: number; modelsTotal: number }, groupSize: number): number {
  if (t.modelsTotal <= 0) return 0;
  const inGroup = Math.min(groupSize, t.modelsTotal - t.modelsDone);
  return (t.modelsDone + inGroup * (t.totalSteps > 0 ? t.step / t.totalSteps : 0)) / t.modelsTotal;
}

/** Examples one model processes under a method at its largest budget. */
function methodWork(method: MethodId, settings: MethodSettings, budgets: number[] | undefined, nT: number, nF: number, epochs: number): number {
  const nR = nT - nF;
  if (method === 'dm-direct') return 0;
  if (method === 'retrain') return epochs * nR;
  const s = settingsFor(settings, method);
  if (!s) return 0;
  const b = budgets ?? s.budgets;
  const maxB = Math.max(...b);
  switch (method) {
    case 'ga':
      return maxB * nF;
    case 'neggrad-plus':
      return maxB * nT;
    case 'om':
    case 'om-pm':
    case 'dmm':
    case 'dmm-trak': {
      const m = method === 'om' || method === 'om-pm' ? settings.om : settings.dmm;
      return maxB * (nF * m.forgetRepeat + Math.min(nR, Math.round(m.retainMultiplier * nF)));
    }
    default:
      return maxB * nR + nF * 2;
  }
}

/** The plug-ins a job names in `methods`, loaded from its `plugins` (a fault is the job's error, not the engine's). */
async function pluginsFor(p: { plugins: string[]; pluginMethods: string[] }): Promise<LoadedPlugin[]> {
  if (p.plugins.length === 0) return [];
  return splitMethods(p.pluginMethods, await loadPlugins(p.plugins)).plugins;
}

function loading(ctx: JobContext): void {
  ctx.progress({ phase: 'load-data', step: 0, total: 1, fraction: 0, loss: null });
}

// ---------------------------------------------------------------------------------------------
// Shared

type DatamodelOptions = NonNullable<ParsedJobParams<'compare'>['datamodels']>;

/** The module's datamodel request fields; undefined ones are left out so the module's defaults apply. */
function datamodelFields(o: Partial<DatamodelOptions> | undefined): Partial<Omit<DatamodelRequest, 'dataset' | 'model' | 'config'>> {
  if (!o) return {};
  const out: Partial<Omit<DatamodelRequest, 'dataset' | 'model' | 'config'>> = {};
  if (o.models !== undefined) out.m = o.models;
  if (o.heldOut !== undefined) out.heldOut = o.heldOut;
  if (o.subsetFraction !== undefined) out.alpha = o.subsetFraction;
  if (o.estimator !== undefined) out.estimator = o.estimator;
  if (o.lambda !== undefined) out.lambda = o.lambda;
  if (o.groupSize !== undefined) out.groupSize = o.groupSize;
  if (o.seedBase !== undefined) out.seedBase = o.seedBase;
  return out;
}

/** Budgets as the module takes them: ascending, per method. */
function budgetsOf(b: Partial<Record<MethodId, number[]>>): Partial<Record<MethodId, number[]>> {
  const out: Partial<Record<MethodId, number[]>> = {};
  for (const [m, list] of Object.entries(b) as Array<[MethodId, number[] | undefined]>) if (list) out[m] = [...new Set(list)].sort((x, y) => x - y);
  return out;
}

interface Recipe {
  ds: Dataset;
  model: ModelSpec;
  config: TrainConfig;
}

function datamodelInfo(store: Store, dm: DatamodelResult, forget: Int32Array | undefined, r: Recipe): DatamodelInfo {
  const m = dm.manifest;
  const base = r.ds.train.n - (forget?.length ?? 0);
  return {
    key: dm.key,
    estimator: m.estimator,
    m: m.m,
    mFit: m.mFit,
    lambda: m.lambda,
    lds: m.quality.lds,
    ldsForget: forget ? meanDefined(readLdsPerTarget(store, dm.key), forget) : NaN,
    slope: m.quality.slope,
    precomputeCost: m.precomputeExamples / (base * r.config.epochs),
    precomputeSeconds: m.seconds.training + m.seconds.fit,
  };
}

function noteDiverged(ctx: JobContext, rows: Array<{ label: string; epochs: number; diverged: boolean; divergedModels: unknown[] }>): void {
  const bad = rows.filter((r) => r.diverged);
  if (bad.length === 0) return;
  const list = bad.map((r) => `${r.label} at ${r.epochs} epochs (${r.divergedModels.length} models)`).join(', ');
  ctx.note('warn', `some unlearned models diverged (loss, weights or outputs became non-finite): ${list}; their margins count as −100 in KLoM. Lower the method's learning rate`);
}

// ---------------------------------------------------------------------------------------------
// unlearn/estimateDatamodels

export async function estimateDatamodelsJob(p: ParsedJobParams<'estimateDatamodels'>, store: Store, ctx: JobContext): Promise<JobResult<'estimateDatamodels'>> {
  loading(ctx);
  const ds = await datasetFor(p.dataset);
  const forgetSet = p.forget ? await resolveForgetSet(p.forget, ds) : undefined;
  throwIfCancelled(ctx.signal);
  const req: DatamodelRequest = { ...datamodelFields(p), dataset: ds, model: p.model, config: p.config, m: p.models };
  const s = datamodelSettings(req);
  const progress = new PhasedProgress(ctx, [{ name: 'datamodels', weight: 1 }]);
  const dm = await buildDatamodels(req, store, {
    signal: ctx.signal,
    onProgress: (t) => progress.report('datamodels', t.phase === 'fit' ? 1 : groupedWithin(t, s.groupSize), t),
  });
  const forget = forgetSet ? Int32Array.from(forgetSet.indices) : undefined;
  const info = datamodelInfo(store, dm, forget, { ds, model: p.model, config: p.config });
  const m = dm.manifest;
  return {
    key: dm.key,
    dir: dm.dir,
    cached: dm.cached,
    backend: m.backend,
    estimator: m.estimator,
    m: m.m,
    mFit: m.mFit,
    heldOut: m.quality.heldOut,
    alpha: m.alpha,
    lambda: m.lambda,
    lambdaSearch: m.lambdaSearch.map((x) => ({ lambda: x.lambda, lds: x.lds })),
    lds: m.quality.lds,
    ldsTrain: m.quality.ldsTrain,
    ldsVal: m.quality.ldsVal,
    ldsForget: forget ? info.ldsForget : null,
    slope: m.quality.slope,
    subsetTrainAccuracy: m.subsetTrainAccuracy,
    subsetValAccuracy: m.subsetValAccuracy,
    precomputeExamples: m.precomputeExamples,
    precomputeCost: info.precomputeCost,
    seconds: { training: m.seconds.training, fit: m.seconds.fit },
    betaShape: [m.points.train, m.points.train + m.points.val, m.classes],
  };
}

// ---------------------------------------------------------------------------------------------
// unlearn/compare

function comparePhases(
  p: ParsedJobParams<'compare'> | ParsedJobParams<'runUnlearners'>,
  ds: Dataset,
  nF: number,
  settings: MethodSettings,
  budgets: Partial<Record<MethodId, number[]>>,
  roles: string[],
  plugins: readonly LoadedPlugin[],
): Phase[] {
  const nT = ds.train.n;
  const nR = nT - nF;
  const E = p.config.epochs;
  const N = p.n;
  const phases: Phase[] = [];
  for (const role of roles) phases.push({ name: role, weight: N * E * (role === 'originals' ? nT : nR) });
  if (p.methods.some((m) => DATAMODEL_METHODS.includes(m))) {
    const o = datamodelFields(p.datamodels);
    phases.push({ name: 'datamodels', weight: (o.m ?? nT) * E * Math.round((o.alpha ?? 0.5) * nT) });
  }
  const unit = N * E * nT * 1e-3;
  for (const m of p.methods) phases.push({ name: m, weight: Math.max(unit, N * methodWork(m, settings, budgets[m], nT, nF, E)) });
  // A plug-in's work is unknown until it runs: weighed as one pass over the training split per epoch.
  for (const pl of plugins) phases.push({ name: pl.id, weight: N * nT * Math.max(...pl.budgets) });
  return phases;
}

export async function compareJob(p: ParsedJobParams<'compare'>, store: Store, ctx: JobContext): Promise<JobResult<'compare'>> {
  loading(ctx);
  const ds = await datasetFor(p.dataset);
  const forgetSet = await resolveForgetSet(p.forget, ds);
  throwIfCancelled(ctx.signal);
  const overrides = p.settings as MethodSettingsOverrides;
  const settings = resolveMethodSettings(p.unlearnPreset, overrides);
  const budgets = budgetsOf(p.budgets);
  const plugins = await pluginsFor(p);
  const progress = new PhasedProgress(ctx, comparePhases(p, ds, forgetSet.indices.length, settings, budgets, ['originals', 'oracles', 'floor'], plugins));
  const dmGroup = p.methods.some((m) => DATAMODEL_METHODS.includes(m)) ? datamodelSettings({ m: ds.train.n, ...datamodelFields(p.datamodels), dataset: ds, model: p.model, config: p.config }).groupSize : 1;
  const unlearnGroup = p.groupSize ?? defaultGroupSize(p.model, (await initBackend()).name);
  const byLabel = new Map(Object.entries(METHOD_LABELS).map(([id, label]) => [label, id]));
  const roleNames: Record<string, string> = { 'references: originals': 'originals', 'references: oracles': 'oracles', 'references: oracles-floor': 'floor' };
  const r = await compareUnlearners(
    {
      dataset: ds,
      model: p.model,
      config: p.config,
      n: p.n,
      groupSize: p.groupSize,
      forgetSet,
      methods: p.methods,
      plugins,
      unlearnPreset: p.unlearnPreset,
      overrides,
      budgets,
      datamodels: datamodelFields(p.datamodels),
      klom: p.klom,
      preset: p.preset,
    },
    store,
    {
      signal: ctx.signal,
      onProgress: (t) => {
        const role = roleNames[t.phase];
        if (role) progress.report(role, ensembleWithin(t), t);
        else if (t.phase.startsWith('datamodels')) progress.report('datamodels', t.phase.endsWith('fit') ? 1 : groupedWithin(t, dmGroup), t);
        else progress.report(byLabel.get(t.phase) ?? t.phase, groupedWithin(t, unlearnGroup), t);
      },
    },
  );
  if (!r.cached) noteDiverged(ctx, r.rows);
  return compareResultOut(r, p.preset ?? null);
}

// ---------------------------------------------------------------------------------------------
// unlearn/runUnlearners

type UnlearnersResult = JobResult<'runUnlearners'>;
type MethodOut = UnlearnersResult['methods'][number];
type BudgetOut = MethodOut['budgets'][number];

/** Per-model accuracy on F / R / V from margins (a point is right when its margin is positive). */
function modelAccuracy(margins: Float32Array, k: number, P: number, nT: number, inF: Uint8Array): { forget: number; retain: number; validation: number } {
  let f = 0;
  let r = 0;
  let v = 0;
  let nF = 0;
  for (let i = 0; i < P; i++) {
    const ok = margins[k * P + i] > 0 ? 1 : 0;
    if (i >= nT) v += ok;
    else if (inF[i]) {
      f += ok;
      nF++;
    } else r += ok;
  }
  return { forget: f / nF, retain: r / (nT - nF), validation: v / (P - nT) };
}

export async function runUnlearnersJob(p: ParsedJobParams<'runUnlearners'>, store: Store, ctx: JobContext): Promise<UnlearnersResult> {
  loading(ctx);
  const ds = await datasetFor(p.dataset);
  const forgetSet: ForgetSet = await resolveForgetSet(p.forget, ds);
  throwIfCancelled(ctx.signal);
  const overrides = p.settings as MethodSettingsOverrides;
  const settings = resolveMethodSettings(p.unlearnPreset, overrides);
  const budgets = budgetsOf(p.budgets);
  const plugins = await pluginsFor(p);
  const needsFloor = p.methods.some((m) => OM_METHODS.includes(m));
  const needsDm = p.methods.some((m) => DATAMODEL_METHODS.includes(m));
  if (p.methods.includes('om') && settings.om.numOracles > p.n) {
    throw new UnlearnError('bad-config', `OM wants the mean of ${settings.om.numOracles} oracles but the noise-floor set has ${p.n}; lower settings.om.numOracles or raise n`);
  }
  const nT = ds.train.n;
  const nV = ds.validation.n;
  const P = nT + nV;
  const C = ds.classNames.length;
  const forget = Int32Array.from(forgetSet.indices).sort();
  const inF = new Uint8Array(nT);
  for (const i of forget) inF[i] = 1;
  const nR = nT - forget.length;
  const labels = new Int32Array(P);
  labels.set(ds.train.y, 0);
  labels.set(ds.validation.y, nT);
  const recipe: Recipe = { ds, model: p.model, config: p.config };
  const progress = new PhasedProgress(ctx, comparePhases(p, ds, forget.length, settings, budgets, needsFloor ? ['originals', 'floor'] : ['originals'], plugins));

  const base = { dataset: ds, model: p.model, config: p.config, count: p.n, groupSize: p.groupSize, forget: { name: forgetSet.name, indices: Int32Array.from(forgetSet.indices) } };
  const ensemble = (role: 'originals' | 'oracles-floor', phase: string): Promise<EnsembleResult> =>
    trainEnsembleArtifact({ ...base, role }, store, { signal: ctx.signal, onProgress: (t) => progress.report(phase, ensembleWithin(t), t) });
  const originals = await ensemble('originals', 'originals');
  const floor = needsFloor ? await ensemble('oracles-floor', 'floor') : undefined;
  const N = originals.manifest.seeds.length;

  let dm: DatamodelResult | undefined;
  let dmInfo: DatamodelInfo | undefined;
  if (needsDm) {
    const req: DatamodelRequest = { m: nT, ...datamodelFields(p.datamodels), dataset: ds, model: p.model, config: p.config };
    const gs = datamodelSettings(req).groupSize;
    dm = await buildDatamodels(req, store, { signal: ctx.signal, onProgress: (t) => progress.report('datamodels', t.phase === 'fit' ? 1 : groupedWithin(t, gs), t) });
    dmInfo = datamodelInfo(store, dm, forget, recipe);
  }

  const key = contentKey({
    kind: UNLEARNED_KIND,
    originals: originals.key,
    floor: floor?.key ?? null,
    datamodels: dm?.key ?? null,
    methods: p.methods,
    settings,
    budgets,
    forget: Array.from(forget),
    ...(plugins.length > 0 && { plugins: plugins.map((x) => ({ id: x.id, sha256: x.sha256, budgets: x.budgets })) }),
  });
  const existing = store.readManifest(UNLEARNED_KIND, key);
  if (existing?.result) return { ...(existing.result as UnlearnersResult), cached: true, dir: store.dir(UNLEARNED_KIND, key) };

  const readLogits = (k: string) => store.readArray(ENSEMBLES_KIND, k, 'logits.npy').data as Float32Array;
  const floorLogits = floor ? readLogits(floor.key) : undefined;
  const origLogits = p.methods.some((m) => m === 'dm-direct' || m === 'dmm') ? readLogits(originals.key) : undefined;
  let sumF: Float64Array | undefined;
  if (dm) {
    sumF = sumBetaRows(dm.dir, forget);
  }
  const unlearnGroup = p.groupSize ?? defaultGroupSize(p.model, (await initBackend()).name);
  const arrays: Record<string, NpyArray> = {};
  const methods: MethodOut[] = [];
  const budgetOut = (method: string, epochs: number, steps: number, cost: ReturnType<typeof costOf>, margins: Float32Array, divergedAtEpoch: Array<number | null>, lossTrace: BudgetOut['lossTrace']): BudgetOut => {
    const file = `margins/${method}-e${epochs}.npy`;
    arrays[file] = { dtype: 'float32', shape: [N, P], data: margins };
    const models = originals.manifest.seeds.map((seed, k) => ({ model: k, seed, accuracy: modelAccuracy(margins, k, P, nT, inF), divergedAtEpoch: divergedAtEpoch[k] ?? null }));
    const mean = (s: 'forget' | 'retain' | 'validation') => models.reduce((a, m) => a + m.accuracy[s], 0) / Math.max(1, models.length);
    return {
      epochs,
      steps,
      cost: cost.fraction,
      costExamples: cost.examples,
      accuracy: { forget: mean('forget'), retain: mean('retain'), validation: mean('validation') },
      diverged: divergedAtEpoch.some((d) => d !== null),
      lossTrace,
      marginsFile: file,
      models,
    };
  };

  for (const method of p.methods) {
    const t0 = performance.now();
    const label = METHOD_LABELS[method];
    if (method === 'dm-direct') {
      if (!origLogits || !sumF) throw new UnlearnError('bad-config', 'DM-Direct needs the originals and datamodels');
      const sc = scoreLogits(datamodelDirectLogits(origLogits, N, P, C, sumF), N, P, C, labels, nT, forget);
      const bad = Array.from({ length: N }, (_, k) => (sc.margins.subarray(k * P, (k + 1) * P).some((v) => !Number.isFinite(v)) ? 0 : null));
      const b = budgetOut(method, 0, 0, costOf(0, 0, nR, p.config.epochs), sc.margins, bad, []);
      methods.push({ method, label, presupposedRetrainings: null, seconds: (performance.now() - t0) / 1000, budgets: [b] });
      continue;
    }
    let targets: ((rows: number[]) => { data: Float32Array; perModel: boolean }) | undefined;
    let presupposed: number | null = null;
    if (method === 'om' || method === 'om-pm') {
      const fl = floorLogits;
      if (!fl) throw new UnlearnError('bad-config', 'OM needs the noise-floor oracles');
      if (method === 'om') {
        const k = settings.om.numOracles;
        const mean0 = meanOracleTargets(fl, k, P, nT, C);
        targets = () => ({ data: mean0, perModel: false });
        presupposed = k;
      } else {
        targets = (rs) => ({ data: trainSlice(fl, rs, P, nT, C), perModel: true });
        presupposed = 1;
      }
    } else if (method === 'dmm') {
      const ol = origLogits;
      const s = sumF;
      if (!ol || !s) throw new UnlearnError('bad-config', 'DMM needs the originals and datamodels');
      targets = (rs) => {
        const t = trainSlice(ol, rs, P, nT, C);
        for (let k = 0; k < rs.length; k++) for (let d = 0; d < nT * C; d++) t[k * nT * C + d] -= s[d];
        return { data: t, perModel: true };
      };
    }
    const run = await unlearnOriginals(
      { dataset: ds, model: p.model, config: p.config, originals, method, settings, forget, targets, budgets: budgets[method] },
      store,
      { signal: ctx.signal, onProgress: (t) => progress.report(method, groupedWithin(t, unlearnGroup), t) },
    );
    const out = run.budgets.map((b) => budgetOut(method, b.epochs, b.steps, b.cost, b.margins, b.divergedAtEpoch, b.lossTrace));
    methods.push({ method, label, presupposedRetrainings: presupposed, seconds: run.seconds, budgets: out });
  }
  for (const plugin of plugins) {
    const run = await unlearnOriginals(
      { dataset: ds, model: p.model, config: p.config, originals, method: plugin.id, plugin, settings, forget },
      store,
      { signal: ctx.signal, onProgress: (t) => progress.report(plugin.id, groupedWithin(t, unlearnGroup), t) },
    );
    const out = run.budgets.map((b) => budgetOut(plugin.id, b.epochs, b.steps, b.cost, b.margins, b.divergedAtEpoch, b.lossTrace));
    methods.push({ method: plugin.id, label: plugin.label, presupposedRetrainings: null, seconds: run.seconds, budgets: out });
  }

  const om = originals.manifest;
  const result: UnlearnersResult = {
    key,
    dir: store.dir(UNLEARNED_KIND, key),
    cached: false,
    backend: om.backend,
    forgetSet: forgetSet.name,
    forgetSize: forget.length,
    n: N,
    unlearnPreset: p.unlearnPreset,
    settings: settings as unknown as Record<string, unknown>,
    originals: {
      key: originals.key,
      seeds: om.seeds,
      accuracy: scoreLogits(readLogits(originals.key), N, P, C, labels, nT, forget).accuracy,
    },
    datamodels: dmInfo ? datamodelOut(dmInfo) : null,
    methods,
  };
  arrays[COMPARISON_FORGET_FILE] = { dtype: 'int32', shape: [forget.length], data: forget };
  store.write(
    UNLEARNED_KIND,
    key,
    { forgetSet: forgetSet.name, datasetId: ds.id, originals: originals.key, floor: floor?.key ?? null, datamodels: dm?.key ?? null, points: { train: nT, val: nV }, result },
    arrays,
    { 'summary.json': `${JSON.stringify(result, null, 2)}\n` },
  );
  noteDiverged(
    ctx,
    methods.flatMap((m) => m.budgets.map((b) => ({ label: m.label, epochs: b.epochs, diverged: b.diverged, divergedModels: b.models.filter((x) => x.divergedAtEpoch !== null) }))),
  );
  return result;
}
