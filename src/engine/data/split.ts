/**
 * Deterministic shuffles and splits for data that comes without an order or a split
 * (image folders, a single CSV): the same files and seed give the same points everywhere.
 */

/** mulberry32: tiny, fast, and identical on every platform (unlike Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededPermutation(n: number, seed: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  const next = rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Shuffles all points, then holds out `fraction` of each class (at least one point of every
 * class with two or more), keeping the shuffled order within both parts. Stratifying keeps
 * every class in validation; shuffling first means "the first n points" is a fair sample.
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  fraction: number,
  seed: number,
): { train: number[]; validation: number[] } {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  const quota = new Map<number, number>();
  for (const [c, n] of counts) quota.set(c, n >= 2 ? Math.max(1, Math.round(n * fraction)) : 0);
  const train: number[] = [];
  const validation: number[] = [];
  for (const i of seededPermutation(labels.length, seed)) {
    const left = quota.get(labels[i]) ?? 0;
    if (left > 0) {
      validation.push(i);
      quota.set(labels[i], left - 1);
    } else {
      train.push(i);
    }
  }
  return { train, validation };
}
