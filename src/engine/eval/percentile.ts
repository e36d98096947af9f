/**
 * Percentiles exactly as `np.percentile(a, q)` computes them with its default `linear` method:
 * virtual index (n − 1)·q/100 into the sorted values, interpolated with NumPy's `_lerp`
 * (which switches to interpolating from the upper neighbour when the weight is ≥ ½, so
 * the result is monotone and hits both neighbours exactly).
 */
import { UnlearnError } from '../errors.js';

/** Sorted float64 copy (NaN last, as NumPy sorts). */
export function sortedCopy(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a).sort();
}

/** Percentile of an already sorted array (ascending, NaN last). */
export function percentileSorted(sorted: Float64Array, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new UnlearnError('bad-config', `percentile must be in [0, 100], got ${q}`);
  const n = sorted.length;
  if (n === 0) return NaN;
  if (Number.isNaN(sorted[n - 1])) return NaN; // NumPy propagates NaN
  const vi = (n - 1) * (q / 100);
  if (vi >= n - 1) return sorted[n - 1];
  const prev = Math.floor(vi);
  const gamma = vi - prev;
  const a = sorted[prev];
  const b = sorted[prev + 1];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** `np.percentile(a, q)` for one q. */
export function percentile(a: ArrayLike<number>, q: number): number {
  return percentileSorted(sortedCopy(a), q);
}

/** `np.percentile(a, qs)`: several percentiles with one sort. */
export function percentiles(a: ArrayLike<number>, qs: readonly number[]): number[] {
  const s = sortedCopy(a);
  return qs.map((q) => percentileSorted(s, q));
}
