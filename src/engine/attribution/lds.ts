/**
 * Datamodel quality (SPEC §5): the linear datamodel score, i.e. per target the Spearman
 * correlation across held-out subset models between the margin a datamodel predicts from a
 * model's mask and the margin the model produced; and the calibration slope of actual on
 * predicted (LDS is scale-free, DM-Direct is not).
 */

/** Ranks 0..n-1 with ties given their average rank (as scipy.stats.rankdata 'average', minus 1). */
export function ranks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]] === v[order[i]]) j++;
    const avg = (i + j) / 2;
    for (let k = i; k <= j; k++) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}

export interface LdsResult {
  /** Spearman per target (NaN where either side is constant across the held-out models). */
  perTarget: Float64Array;
  /** Mean over the targets with a defined correlation. */
  mean: number;
  /** Slope of actual on predicted margins, each centred per target, pooled over targets. */
  slope: number;
}

/**
 * predicted, actual: [h × P] row-major (held-out model × target).
 */
export function linearDatamodelScore(predicted: ArrayLike<number>, actual: ArrayLike<number>, h: number, P: number): LdsResult {
  const perTarget = new Float64Array(P);
  const a = new Float64Array(h);
  const p = new Float64Array(h);
  let sap = 0;
  let spp = 0;
  for (let t = 0; t < P; t++) {
    let ma = 0;
    let mp = 0;
    for (let i = 0; i < h; i++) {
      a[i] = actual[i * P + t];
      p[i] = predicted[i * P + t];
      ma += a[i];
      mp += p[i];
    }
    ma /= h;
    mp /= h;
    for (let i = 0; i < h; i++) {
      sap += (a[i] - ma) * (p[i] - mp);
      spp += (p[i] - mp) * (p[i] - mp);
    }
    perTarget[t] = spearman(p, a);
  }
  return { perTarget, mean: meanDefined(perTarget), slope: spp > 0 ? sap / spp : NaN };
}

/** Mean of the finite entries (optionally only at `at`). */
export function meanDefined(v: ArrayLike<number>, at?: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  const len = at ? at.length : v.length;
  for (let i = 0; i < len; i++) {
    const x = v[at ? at[i] : i];
    if (Number.isFinite(x)) {
      s += x;
      c++;
    }
  }
  return c > 0 ? s / c : NaN;
}
