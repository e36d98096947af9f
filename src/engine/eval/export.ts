/**
 * Summary exports as strings (the store writes them atomically). Numbers are written with
 * JavaScript's shortest round-trip form, so a figure read back is the figure computed, to the
 * last digit; a statistic of an empty split (NaN) becomes null in JSON and empty in CSV.
 */
import type { KlomOptions } from './klom.js';
import type { KlomSummary, SplitSummary } from './summary.js';

export interface KlomReportRow {
  /** Method or reference row: `OM`, `GD`, `do nothing`, `oracle noise floor`, … */
  label: string;
  /** N beside every KLoM figure: models on each side. */
  nUnlearned: number;
  nOracle: number;
  /** Unlearned-model rows scored as −100 because they diverged. */
  divergedUnlearned?: number[];
  summary: KlomSummary;
  /** Anything else a row must show beside its figures: backend, preset, seeds, LDS, M, cost… */
  provenance?: Record<string, string | number | boolean>;
}

export interface KlomReport {
  forgetSet: string;
  datasetId: string;
  options?: Omit<KlomOptions, 'divergedUnlearned' | 'divergedOracle'>;
  rows: KlomReportRow[];
}

const SPLITS = ['forget', 'retain', 'validation'] as const;
const STATS = ['n', 'p95', 'p99', 'mean'] as const;

function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function splitJson(s: SplitSummary): Record<string, number | null> {
  return { n: s.n, p95: num(s.p95), p99: num(s.p99), mean: num(s.mean) };
}

export function summaryJson(report: KlomReport): string {
  const doc = {
    version: 1,
    forgetSet: report.forgetSet,
    datasetId: report.datasetId,
    options: report.options ?? {},
    rows: report.rows.map((r) => ({
      label: r.label,
      nUnlearned: r.nUnlearned,
      nOracle: r.nOracle,
      divergedUnlearned: r.divergedUnlearned ?? [],
      forget: splitJson(r.summary.forget),
      retain: splitJson(r.summary.retain),
      validation: splitJson(r.summary.validation),
      headline: { p99: num(r.summary.headline.p99), p95: num(r.summary.headline.p95) },
      retainTotal: r.summary.retainTotal,
      retainSampled: r.summary.retainSampled,
      retainSeed: r.summary.retainSeed,
      provenance: r.provenance ?? {},
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(fields: (string | number | boolean | null | undefined)[]): string {
  return fields.map(csvField).join(',');
}

/** One row per method: N, each split's n / p95 / p99 / mean, the headline p99 and p95, diverged count. */
export function summaryCsv(report: KlomReport): string {
  const header = ['label', 'N_unlearned', 'N_oracle', 'diverged_unlearned'];
  for (const s of SPLITS) for (const t of STATS) header.push(`${s}_${t}`);
  header.push('headline_p99', 'headline_p95', 'retain_sampled');
  const lines = [csvLine(header)];
  for (const r of report.rows) {
    const f: (string | number | boolean)[] = [r.label, r.nUnlearned, r.nOracle, r.divergedUnlearned?.length ?? 0];
    for (const s of SPLITS) for (const t of STATS) f.push(r.summary[s][t]);
    f.push(r.summary.headline.p99, r.summary.headline.p95, r.summary.retainSampled);
    lines.push(csvLine(f));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Per-point KLoM as CSV: `point` is the position in [training points…, validation points…],
 * `index` the index within its split. Retain points outside a sampled summary are listed too.
 */
export function perPointCsv(klom: ArrayLike<number>, nTrain: number, forget: ArrayLike<number>): string {
  const inForget = new Uint8Array(nTrain);
  for (let i = 0; i < forget.length; i++) inForget[forget[i]] = 1;
  const lines = ['point,split,index,klom'];
  for (let i = 0; i < klom.length; i++) {
    const train = i < nTrain;
    const split = train ? (inForget[i] ? 'forget' : 'retain') : 'validation';
    lines.push(csvLine([i, split, train ? i : i - nTrain, klom[i]]));
  }
  return `${lines.join('\n')}\n`;
}
