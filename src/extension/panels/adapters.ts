/**
 * From the engine's results to the panels' wire shapes. Engine code is imported for its types
 * only; non-finite numbers become null because they do not survive JSON.
 */
import type { LinearStudyResult } from '../../engine/linear/study';
import type { JobResult } from '../../protocol';
import type { CompareRowWire, CompareSnapshot } from '../../protocol/webview/compare';
import { LINEAR_DEFAULTS, type LinearForm, type LinearResultWire } from '../../protocol/webview/linear';

const num = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/** The compare panel's snapshot from the engine's `compare` job result (rows already flat). */
export function compareSnapshotFromResult(r: JobResult<'compare'>, title = 'Cost vs KLoM'): CompareSnapshot {
  const rows: CompareRowWire[] = [r.doNothing, r.noiseFloor, ...r.rows].map((x) => ({
    id: x.id,
    method: x.method,
    label: x.label,
    epochs: x.epochs,
    steps: x.steps,
    cost: Math.max(0, num(x.cost) ?? 0),
    presupposedRetrainings: x.presupposedRetrainings,
    precomputeCost: num(x.datamodel?.precomputeCost),
    nUnlearned: x.nUnlearned,
    nOracle: x.nOracle,
    forget: x.forget,
    retain: x.retain,
    validation: x.validation,
    headline: x.headline,
    accuracy: x.accuracy,
    diverged: x.diverged,
    divergedModels: x.divergedModels.length,
    datamodel: x.datamodel ? { lds: x.datamodel.lds, ldsForget: x.datamodel.ldsForget, m: x.datamodel.m, estimator: x.datamodel.estimator } : null,
  }));
  return { title, provenance: provenanceOf(r), rows };
}

/** What every figure of a comparison shows beside it: N, backend, seeds, preset, LDS and M. */
export function provenanceOf(r: JobResult<'compare'>): CompareSnapshot['provenance'] {
  return {
    n: r.n,
    backend: r.backend,
    seeds: `originals ${r.seeds.originals}, oracles ${r.seeds.oracles}, floor ${r.seeds.floor}`,
    preset: r.preset ?? r.unlearnPreset,
    forgetSet: r.forgetSet,
    forgetSize: r.forgetSize,
    lds: r.datamodels?.lds ?? null,
    m: r.datamodels?.m ?? null,
  };
}

/** The settings the engine's `linearStudy` job takes, from the panel's form. */
export function linearSettingsFromForm(f: LinearForm): Record<string, unknown> {
  const { lr, ...rest } = f;
  return lr === null ? rest : { ...rest, lr };
}

export function linearFormFromSettings(s: Partial<Record<keyof LinearForm, unknown>>): LinearForm {
  const pick = <K extends keyof LinearForm>(k: K): LinearForm[K] => (s[k] === undefined ? LINEAR_DEFAULTS[k] : (s[k] as LinearForm[K]));
  return { n: pick('n'), d: pick('d'), k: pick('k'), nTest: pick('nTest'), lambda: pick('lambda'), noise: pick('noise'), lr: s.lr === undefined ? null : (s.lr as number), steps: pick('steps'), ascentWeights: pick('ascentWeights'), seed: pick('seed') };
}

const finiteOrNull = (xs: number[]) => xs.map((v) => (Number.isFinite(v) ? v : null));

/** The engine's study result, cut down to what the panel draws. */
export function linearResultToWire(r: LinearStudyResult): LinearResultWire {
  return {
    settingsHash: r.settingsHash,
    lr: r.lr,
    lrSource: r.lrSource,
    lambdaMax: r.lambdaMax,
    forget: r.forget,
    methods: r.methods.map((m) => ({
      id: m.id,
      name: m.name,
      kind: m.kind,
      objective: m.objective,
      steps: m.steps,
      relParamDist: finiteOrNull(m.relParamDist),
      relPredErrTest: finiteOrNull(m.relPredErrTest),
      diverged: m.diverged,
    })),
    totalMs: r.timings.totalMs,
  };
}

