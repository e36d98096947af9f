/**
 * Per-split KLoM summaries (SPEC §2): forget F, retain R (all of it up to 10,000 points, else a
 * fixed seeded sample of 10,000), validation V; the 95th / 99th percentiles and the mean of
 * per-point KLoM, and the headline numbers averaged over the three splits.
 */
import { UnlearnError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { numpyMean } from './numpy-sum.js';
import { percentileSorted } from './percentile.js';

export interface SplitSummary {
  /** Number of points scored in the split. */
  n: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface KlomSummary {
  forget: SplitSummary;
  retain: SplitSummary;
  validation: SplitSummary;
  /** Means over the three splits: `p99` is a method's headline number, `p95` is shown beside it. */
  headline: { p99: number; p95: number };
  /** |R| before sampling, and whether R was sampled (with which seed). */
  retainTotal: number;
  retainSampled: boolean;
  retainSeed: number;
}

export interface SummaryInput {
  /** Per-point KLoM over [training points…, validation points…]. */
  klom: ArrayLike<number>;
  nTrain: number;
  /** Training-set indices of the forget set. */
  forget: ArrayLike<number>;
  /** At most this many retain points are scored (10,000). */
  retainLimit?: number;
  /** Seed of the retain sample (0), fixed so that every method is scored on the same points. */
  retainSeed?: number;
}

export const DEFAULT_RETAIN_LIMIT = 10000;
export const DEFAULT_RETAIN_SEED = 0;

/** n, p95, p99 and mean of a set of per-point values (NaN statistics for an empty set). */
export function splitSummary(values: ArrayLike<number>): SplitSummary {
  const sorted = Float64Array.from(values);
  // The mean is taken before sorting: NumPy sums in the array's own order.
  const mean = sorted.length === 0 ? NaN : numpyMean(sorted);
  sorted.sort();
  return { n: sorted.length, p95: percentileSorted(sorted, 95), p99: percentileSorted(sorted, 99), mean };
}

function forgetMask(nTrain: number, forget: ArrayLike<number>): Uint8Array {
  const mask = new Uint8Array(nTrain);
  for (let i = 0; i < forget.length; i++) {
    const f = forget[i];
    if (!Number.isInteger(f) || f < 0 || f >= nTrain) {
      throw new UnlearnError('bad-forget-set', `forget index ${f} is outside the training set [0, ${nTrain - 1}]`);
    }
    if (mask[f]) throw new UnlearnError('bad-forget-set', `forget index ${f} appears twice`);
    mask[f] = 1;
  }
  return mask;
}

/** R = S \ F: every training index not in the forget set, ascending. */
export function retainSet(nTrain: number, forget: ArrayLike<number>): Int32Array {
  const mask = forgetMask(nTrain, forget);
  const retain = new Int32Array(nTrain - forget.length);
  let k = 0;
  for (let i = 0; i < nTrain; i++) if (!mask[i]) retain[k++] = i;
  return retain;
}

/**
 * The retain points that are scored, ascending: all of R when |R| ≤ limit, else a seeded
 * sample of `limit` of them (the same for every method given the same seed).
 */
export function retainIndices(nTrain: number, forget: ArrayLike<number>, limit = DEFAULT_RETAIN_LIMIT, seed = DEFAULT_RETAIN_SEED): Int32Array {
  const retain = retainSet(nTrain, forget);
  if (retain.length <= limit) return retain;
  const pick = new Rng(seed).sampleWithoutReplacement(retain.length, limit).sort();
  const out = new Int32Array(limit);
  for (let i = 0; i < limit; i++) out[i] = retain[pick[i]];
  return out;
}

export function summarizeKlom(input: SummaryInput): KlomSummary {
  const { klom, nTrain, forget } = input;
  const limit = input.retainLimit ?? DEFAULT_RETAIN_LIMIT;
  const seed = input.retainSeed ?? DEFAULT_RETAIN_SEED;
  if (!Number.isInteger(nTrain) || nTrain < 0 || nTrain > klom.length) {
    throw new UnlearnError('bad-config', `summary: ${klom.length} KLoM values cannot hold ${nTrain} training points`);
  }
  if (!Number.isInteger(limit) || limit < 1) throw new UnlearnError('bad-config', `summary: retain limit must be a positive integer, got ${limit}`);
  const retain = retainIndices(nTrain, forget, limit, seed);
  const pick = (idx: ArrayLike<number>): Float64Array => {
    const v = new Float64Array(idx.length);
    for (let i = 0; i < idx.length; i++) v[i] = klom[idx[i]];
    return v;
  };
  const forgetSummary = splitSummary(pick(forget));
  const retainSummary = splitSummary(pick(retain));
  const validation = new Float64Array(klom.length - nTrain);
  for (let i = 0; i < validation.length; i++) validation[i] = klom[nTrain + i];
  const validationSummary = splitSummary(validation);
  const three = (key: 'p95' | 'p99'): number =>
    numpyMean(Float64Array.of(forgetSummary[key], retainSummary[key], validationSummary[key]));
  const retainTotal = nTrain - forget.length;
  return {
    forget: forgetSummary,
    retain: retainSummary,
    validation: validationSummary,
    headline: { p99: three('p99'), p95: three('p95') },
    retainTotal,
    retainSampled: retainTotal > limit,
    retainSeed: seed,
  };
}
