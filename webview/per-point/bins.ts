/** Binning for the per-point panel: KLoM histograms per split and the SPEC §2 margin bins. */

export interface Histogram {
  edges: number[];
  counts: number[];
  /** The points in each bin (indices over [training…, validation…]). */
  members: number[][];
  total: number;
}

/** Equal-width bins over [lo, hi]; the last bin is closed so that the maximum is counted. */
export function histogram(values: ArrayLike<number>, points: ArrayLike<number>, lo: number, hi: number, bins: number): Histogram {
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  const members: number[][] = Array.from({ length: bins }, () => []);
  let total = 0;
  const width = (hi - lo) / bins || 1;
  for (let k = 0; k < points.length; k++) {
    const p = points[k];
    const v = values[p];
    if (!Number.isFinite(v)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
    counts[b]++;
    members[b].push(p);
    total++;
  }
  return { edges, counts, members, total };
}

export const KLOM_BINS = 20;
export const KLOM_CLIP = 100;

/**
 * The bins KLoM itself uses for one point (SPEC §2): both samples clipped to ±100, 21 edges over
 * the pooled clipped range, `np.digitize` semantics (edge_b ≤ v < edge_{b+1}), so values equal to
 * the pooled maximum fall outside every bin, exactly as the reference code does.
 */
export function klomBins(unlearned: ArrayLike<number>, oracle: ArrayLike<number>): { edges: number[]; p: number[]; q: number[]; uKept: number; oKept: number } {
  const clip = (v: number) => Math.min(KLOM_CLIP, Math.max(-KLOM_CLIP, v));
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of [unlearned, oracle]) {
    for (let i = 0; i < s.length; i++) {
      const v = clip(s[i]);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (lo === hi) hi = lo + 1;
  const edges = Array.from({ length: KLOM_BINS + 1 }, (_, i) => lo + ((hi - lo) * i) / KLOM_BINS);
  const count = (s: ArrayLike<number>) => {
    const c = new Array<number>(KLOM_BINS).fill(0);
    let kept = 0;
    for (let i = 0; i < s.length; i++) {
      const v = clip(s[i]);
      // digitize: the first edge greater than v, minus one; bins 0…19 are kept.
      let b = -1;
      for (let e = 0; e < edges.length; e++) {
        if (edges[e] > v) break;
        b = e;
      }
      if (b >= 0 && b < KLOM_BINS) {
        c[b]++;
        kept++;
      }
    }
    return { c, kept };
  };
  const u = count(unlearned);
  const o = count(oracle);
  return { edges, p: u.c.map((x) => (u.kept ? x / u.kept : 0)), q: o.c.map((x) => (o.kept ? x / o.kept : 0)), uKept: u.kept, oKept: o.kept };
}
