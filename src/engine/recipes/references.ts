/**
 * The reference rows of every comparison (SPEC §2): "do nothing" (the originals scored against
 * the oracles) and the "oracle noise floor" (a second, disjoint oracle set scored against the
 * first). Trains whichever of the three ensembles is missing, scores every training and
 * validation point, and stores per-point KLoM and summaries as an artifact.
 */
import type { Dataset } from '../data/dataset';
import { summaryCsv, summaryJson, type KlomReport, type KlomReportRow } from '../eval/export';
import { scoreKlom, type KlomOptions } from '../eval/klom';
import { summarizeKlom } from '../eval/summary';
import type { ForgetSet } from '../forget/forget-set';
import type { ModelSpec } from '../models';
import { contentKey } from '../store/hash';
import type { Store } from '../store/store';
import type { TrainConfig } from '../train/config';
import { readEnsembleMargins, trainEnsembleArtifact, type EnsembleProgress, type EnsembleResult, type EnsembleRole } from './ensemble';

export const EVALS_KIND = 'evals';

export interface ReferencesRequest {
  dataset: Dataset;
  model: ModelSpec;
  config: TrainConfig;
  n: number;
  groupSize?: number;
  forgetSet: ForgetSet;
  klom?: Omit<KlomOptions, 'divergedUnlearned' | 'divergedOracle'>;
  preset?: string;
}

export interface ReferencesResult {
  key: string;
  dir: string;
  report: KlomReport;
  ensembles: Record<EnsembleRole, EnsembleResult>;
  backend: string;
  seconds: { originals: number; oracles: number; floor: number; klom: number };
}

export type ReferencesProgress = { phase: EnsembleRole } & EnsembleProgress;

function seedRange(seeds: number[]): string {
  return seeds.length === 0 ? '' : `${seeds[0]}..${seeds[seeds.length - 1]}`;
}

export async function evaluateReferences(
  req: ReferencesRequest,
  store: Store,
  opts: { signal?: AbortSignal; onProgress?: (p: ReferencesProgress) => void } = {},
): Promise<ReferencesResult> {
  const forget = { name: req.forgetSet.name, indices: Int32Array.from(req.forgetSet.indices) };
  const base = { dataset: req.dataset, model: req.model, config: req.config, count: req.n, groupSize: req.groupSize, forget };
  const ensembles = {} as Record<EnsembleRole, EnsembleResult>;
  for (const role of ['originals', 'oracles', 'oracles-floor'] as const) {
    ensembles[role] = await trainEnsembleArtifact({ ...base, role }, store, {
      signal: opts.signal,
      onProgress: opts.onProgress ? (p) => opts.onProgress?.({ ...p, phase: role }) : undefined,
    });
  }
  const started = performance.now();
  const orig = readEnsembleMargins(store, ensembles.originals.key);
  const orac = readEnsembleMargins(store, ensembles.oracles.key);
  const floor = readEnsembleMargins(store, ensembles['oracles-floor'].key);
  const nTrain = req.dataset.train.n;
  const P = orig.points;
  const diverged = (e: EnsembleResult) => e.manifest.divergedAtEpoch.map((d) => d !== null);
  const doNothing = scoreKlom(orig.margins, orac.margins, P, { ...req.klom, divergedUnlearned: diverged(ensembles.originals), divergedOracle: diverged(ensembles.oracles) });
  const noiseFloor = scoreKlom(floor.margins, orac.margins, P, { ...req.klom, divergedUnlearned: diverged(ensembles['oracles-floor']), divergedOracle: diverged(ensembles.oracles) });
  const klomSeconds = (performance.now() - started) / 1000;
  const backend = ensembles.originals.manifest.backend;
  const row = (label: string, r: typeof doNothing, unlearnedSeeds: number[]): KlomReportRow => ({
    label,
    nUnlearned: r.nUnlearned,
    nOracle: r.nOracle,
    divergedUnlearned: r.divergedUnlearned,
    summary: summarizeKlom({ klom: r.values, nTrain, forget: req.forgetSet.indices }),
    provenance: {
      backend,
      unlearnedSeeds: seedRange(unlearnedSeeds),
      oracleSeeds: seedRange(ensembles.oracles.manifest.seeds),
      ...(req.preset ? { preset: req.preset } : {}),
    },
  });
  const report: KlomReport = {
    forgetSet: req.forgetSet.name,
    datasetId: req.dataset.id,
    options: doNothing.options,
    rows: [row('do nothing', doNothing, ensembles.originals.manifest.seeds), row('oracle noise floor', noiseFloor, ensembles['oracles-floor'].manifest.seeds)],
  };
  const key = contentKey({ kind: EVALS_KIND, ensembles: [ensembles.originals.key, ensembles.oracles.key, ensembles['oracles-floor'].key], forget: req.forgetSet.indices, klom: doNothing.options });
  if (!store.has(EVALS_KIND, key)) {
    store.write(
      EVALS_KIND,
      key,
      { forgetSet: req.forgetSet.name, datasetId: req.dataset.id, ensembles: Object.fromEntries(Object.entries(ensembles).map(([r, e]) => [r, e.key])), backend, report: JSON.parse(summaryJson(report)) as unknown },
      {
        'klom-do-nothing.npy': { dtype: 'float64', shape: [P], data: doNothing.values },
        'klom-noise-floor.npy': { dtype: 'float64', shape: [P], data: noiseFloor.values },
      },
      { 'summary.json': summaryJson(report), 'summary.csv': summaryCsv(report) },
    );
  }
  return {
    key,
    dir: store.dir(EVALS_KIND, key),
    report,
    ensembles,
    backend,
    seconds: { originals: ensembles.originals.manifest.seconds, oracles: ensembles.oracles.manifest.seconds, floor: ensembles['oracles-floor'].manifest.seconds, klom: klomSeconds },
  };
}
