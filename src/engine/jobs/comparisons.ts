/**
 * Reading stored comparisons for the host: the protocol's shape of a comparison result and its
 * rows, and the per-point requests (`unlearn/perPointKlom`, `unlearn/pointMargins`). Only the
 * store is read here, never TensorFlow.js: the engine answers these without loading it.
 */
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { UnlearnError } from '../errors';
import type { CompareResult, CompareRow, DatamodelInfo } from '../recipes/compare';
import type { Store } from '../store/store';
import type { z } from 'zod';
import { POINT_SPLITS, encodeBytes, type compareRowSchema, type datamodelInfoSchema, type JobResult, type ParsedRequestParams, type RequestResult } from '../../protocol';
import { openStore } from './resources';

// Kept here as strings (the recipe modules load TensorFlow.js); checked against them in unlearners.ts.
export const COMPARISONS = 'comparisons';
export const ENSEMBLES = 'ensembles';
export const EVALS = 'evals';
export const FORGET_FILE = 'forget.npy';
export const marginsFile = (klomFile: string): string => klomFile.replace(/^klom\//, 'margins/');

type RowOut = z.output<typeof compareRowSchema>;
type DatamodelOut = z.output<typeof datamodelInfoSchema>;

const REFERENCE_METHODS: readonly string[] = ['do-nothing', 'noise-floor'];

export function datamodelOut(d: DatamodelInfo): DatamodelOut {
  return {
    key: d.key,
    estimator: d.estimator,
    m: d.m,
    mFit: d.mFit,
    lambda: d.lambda,
    lds: d.lds,
    ldsForget: d.ldsForget,
    slope: d.slope,
    precomputeCost: d.precomputeCost,
    precomputeSeconds: d.precomputeSeconds,
  };
}

export function rowOut(x: CompareRow): RowOut {
  const s = x.summary;
  const split = (v: { n: number; p95: number; p99: number; mean: number }) => ({ n: v.n, p95: v.p95, p99: v.p99, mean: v.mean });
  return {
    id: `${x.method}@${x.epochs}`,
    method: x.method,
    kind: REFERENCE_METHODS.includes(x.method) ? 'reference' : 'unlearner',
    label: x.label,
    epochs: x.epochs,
    steps: x.steps,
    cost: x.cost.fraction,
    costExamples: x.cost.examples,
    presupposedRetrainings: x.presupposedRetrainings ?? null,
    targetsFrom: x.targetsFrom ?? null,
    nUnlearned: x.nUnlearned,
    nOracle: x.nOracle,
    forget: split(s.forget),
    retain: split(s.retain),
    validation: split(s.validation),
    headline: { p99: s.headline.p99, p95: s.headline.p95 },
    accuracy: { forget: x.accuracy.forget, retain: x.accuracy.retain, validation: x.accuracy.validation },
    diverged: x.diverged,
    divergedModels: x.divergedModels.map((d) => ({ model: d.model, epoch: d.epoch })),
    datamodel: x.datamodel ? datamodelOut(x.datamodel) : null,
    plugin: x.plugin ? { file: x.plugin.file, sha256: x.plugin.sha256 } : null,
    lossTrace: x.lossTrace.map((e) => ({ epoch: e.epoch, phase: e.phase, loss: e.loss })),
    klomFile: x.klomFile,
    seconds: x.seconds,
  };
}

export function compareResultOut(r: CompareResult, preset: string | null): JobResult<'compare'> {
  const ref = (method: string) => {
    const row = r.rows.find((x) => x.method === method);
    if (!row) throw new UnlearnError('io', `comparison ${r.key} has no "${method}" row`);
    return rowOut(row);
  };
  return {
    key: r.key,
    dir: r.dir,
    cached: r.cached,
    forgetSet: r.forgetSet,
    forgetSize: r.forgetSize,
    n: r.n,
    backend: r.backend,
    seeds: { ...r.seeds },
    preset,
    unlearnPreset: r.unlearnPreset,
    settings: r.settings as unknown as Record<string, unknown>,
    originalsAccuracy: { ...r.originalsAccuracy },
    doNothing: ref('do-nothing'),
    noiseFloor: ref('noise-floor'),
    rows: r.rows.filter((x) => !REFERENCE_METHODS.includes(x.method)).map(rowOut),
    datamodels: r.datamodels ? datamodelOut(r.datamodels) : null,
    seconds: { ...r.seconds },
    files: {
      summaryJson: join(r.dir, 'summary.json'),
      summaryCsv: join(r.dir, 'summary.csv'),
      figure2Csv: join(r.dir, 'figure2.csv'),
      figure2Json: join(r.dir, 'figure2.json'),
    },
  };
}

interface StoredComparison {
  store: Store;
  key: string;
  dir: string;
  result: CompareResult;
  manifest: Record<string, unknown>;
}

function openComparison(storeRoot: string, ref: string): StoredComparison {
  const store = openStore(storeRoot, 'read');
  let key = ref;
  if (isAbsolute(ref)) {
    const dir = resolve(ref);
    const kindDir = dirname(store.dir(COMPARISONS, 'x'));
    if (dirname(dir) !== kindDir) throw new UnlearnError('bad-config', `comparison ${dir} is not a comparison folder of the store ${store.root} (expected ${kindDir}/<key>)`);
    key = basename(dir);
  }
  const manifest = store.readManifest(COMPARISONS, key);
  if (!manifest) throw new UnlearnError('not-found', `no complete comparison ${key} in the store ${store.root}`);
  const result = manifest.result as CompareResult | undefined;
  if (!result || !Array.isArray(result.rows)) throw new UnlearnError('bad-file', `${store.dir(COMPARISONS, key)}: the manifest holds no comparison result`);
  return { store, key, dir: store.dir(COMPARISONS, key), result, manifest };
}

function findRow(c: StoredComparison, method: string, budget: number | undefined): CompareRow {
  const rows = c.result.rows.filter((x) => x.method === method);
  if (rows.length === 0) {
    const methods = [...new Set(c.result.rows.map((x) => x.method))];
    throw new UnlearnError('not-found', `comparison ${c.key} has no rows for method "${method}" (it has ${methods.join(', ')})`);
  }
  const budgets = rows.map((x) => x.epochs).join(', ');
  if (budget === undefined) {
    if (rows.length === 1) return rows[0];
    throw new UnlearnError('bad-config', `${method} has ${rows.length} budgets in comparison ${c.key} (epochs ${budgets}): give "budget"`);
  }
  const row = rows.find((x) => x.epochs === budget);
  if (!row) throw new UnlearnError('not-found', `comparison ${c.key} has no ${method} row at ${budget} epochs (its budgets: ${budgets})`);
  return row;
}

function olderArtifact(c: StoredComparison, what: string): UnlearnError {
  return new UnlearnError('not-found', `comparison ${c.key} was stored by an earlier engine version without ${what}: delete ${c.dir} and run the comparison again`);
}

function pointsOf(c: StoredComparison): { nTrain: number; nVal: number } {
  const pts = c.manifest.points as { train?: unknown; val?: unknown } | undefined;
  if (!pts || typeof pts.train !== 'number' || typeof pts.val !== 'number') throw olderArtifact(c, 'its point counts');
  return { nTrain: pts.train, nVal: pts.val };
}

function forgetOf(c: StoredComparison): Int32Array {
  if (!Object.keys((c.manifest.arrays ?? {}) as Record<string, unknown>).includes(FORGET_FILE)) throw olderArtifact(c, 'its forget-set indices');
  return c.store.readArray(COMPARISONS, c.key, FORGET_FILE).data as Int32Array;
}

/** The three ensembles of a comparison (from its manifest, or from its references for older ones). */
function ensemblesOf(c: StoredComparison): { originals: string; oracles: string; 'oracles-floor': string } {
  type Keys = { originals: string; oracles: string; 'oracles-floor': string };
  const own = c.manifest.ensembles as Keys | undefined;
  if (own) return own;
  const refs = typeof c.manifest.references === 'string' ? c.store.readManifest(EVALS, c.manifest.references) : undefined;
  const keys = refs?.ensembles as Keys | undefined;
  if (!keys) throw olderArtifact(c, 'the keys of its ensembles');
  return keys;
}

function readKlom(c: StoredComparison, row: CompareRow, P: number): Float64Array {
  const a = c.store.readArray(COMPARISONS, c.key, row.klomFile);
  if (a.dtype !== 'float64' || a.data.length !== P) throw new UnlearnError('bad-file', `${join(c.dir, row.klomFile)}: expected ${P} float64 values, got ${a.data.length} ${a.dtype}`);
  return a.data as Float64Array;
}

export function perPointKlom(p: ParsedRequestParams<'perPointKlom'>): RequestResult<'perPointKlom'> {
  const c = openComparison(p.store, p.comparison);
  const row = findRow(c, p.method, p.budget);
  const { nTrain, nVal } = pointsOf(c);
  const P = nTrain + nVal;
  const klom = readKlom(c, row, P);
  const forget = forgetOf(c);
  const split = new Uint8Array(P);
  split.fill(POINT_SPLITS.indexOf('retain'), 0, nTrain);
  split.fill(POINT_SPLITS.indexOf('validation'), nTrain);
  for (const i of forget) split[i] = POINT_SPLITS.indexOf('forget');
  return { comparison: c.key, dir: c.dir, row: rowOut(row), points: P, nTrain, nVal, klom: encodeBytes(klom), split: encodeBytes(split), forget: Array.from(forget) };
}

/** One column of an [N × P] float32 array. */
function column(a: { data: ArrayLike<number>; shape: number[] }, point: number, what: string): Float32Array {
  if (a.shape.length !== 2 || point >= a.shape[1]) throw new UnlearnError('bad-file', `${what}: expected [models × points] with more than ${point} points, got shape [${a.shape.join(', ')}]`);
  const [N, P] = a.shape;
  return Float32Array.from({ length: N }, (_, k) => a.data[k * P + point]);
}

export function pointMargins(p: ParsedRequestParams<'pointMargins'>): RequestResult<'pointMargins'> {
  const c = openComparison(p.store, p.comparison);
  const row = findRow(c, p.method, p.budget);
  const { nTrain, nVal } = pointsOf(c);
  const P = nTrain + nVal;
  if (p.point >= P) throw new UnlearnError('bad-config', `point ${p.point} is outside the comparison's points 0..${P - 1} (${nTrain} training, then ${nVal} validation)`);
  const ens = ensemblesOf(c);
  const ensembleMargins = (key: string) => c.store.readArray(ENSEMBLES, key, 'margins.npy');
  let unlearned: Float32Array;
  if (row.method === 'do-nothing' || row.method === 'noise-floor') {
    const key = row.method === 'do-nothing' ? ens.originals : ens['oracles-floor'];
    unlearned = column(ensembleMargins(key), p.point, `ensemble ${key}`);
  } else {
    const file = marginsFile(row.klomFile);
    if (!Object.keys((c.manifest.arrays ?? {}) as Record<string, unknown>).includes(file)) throw olderArtifact(c, 'the margins of its unlearned models');
    unlearned = column(c.store.readArray(COMPARISONS, c.key, file), p.point, join(c.dir, file));
  }
  const oracle = column(ensembleMargins(ens.oracles), p.point, `ensemble ${ens.oracles}`);
  const oracleManifest = c.store.readManifest(ENSEMBLES, ens.oracles);
  const oracleDiverged = ((oracleManifest?.divergedAtEpoch ?? []) as Array<number | null>).flatMap((d, i) => (d !== null ? [i] : []));
  const forget = forgetOf(c);
  const split = p.point >= nTrain ? 'validation' : forget.includes(p.point) ? 'forget' : 'retain';
  const v = readKlom(c, row, P)[p.point];
  return {
    comparison: c.key,
    method: row.method,
    epochs: row.epochs,
    point: p.point,
    split,
    klom: Number.isFinite(v) ? v : null,
    unlearned: encodeBytes(unlearned),
    oracle: encodeBytes(oracle),
    nUnlearned: unlearned.length,
    nOracle: oracle.length,
    unlearnedDiverged: row.divergedModels.map((d) => d.model),
    oracleDiverged,
  };
}
