/**
 * Sums in the order NumPy's `np.sum` / `np.mean` use for contiguous float64 data (pairwise
 * summation with eight accumulators per block of ≤ 128, started from 0.0), so that means and
 * KL sums agree with the authors' Python figures bit for bit rather than to ~1e-16.
 */

type Float64Like = { readonly length: number; readonly [i: number]: number };

function pairwise(a: Float64Like, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3];
    let r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7];
    const whole = n - (n % 8);
    let i = 8;
    for (; i < whole; i += 8) {
      const p = start + i;
      r0 += a[p]; r1 += a[p + 1]; r2 += a[p + 2]; r3 += a[p + 3];
      r4 += a[p + 4]; r5 += a[p + 5]; r6 += a[p + 6]; r7 += a[p + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/** `np.sum(a[start:start+n])` for float64 values. */
export function numpySum(a: Float64Like, start = 0, n = a.length - start): number {
  // np.add.reduce begins from the identity 0.0, then adds the pairwise sum.
  return 0 + pairwise(a, start, n);
}

/** `np.mean(a)` for float64 values (NaN for an empty array, as NumPy gives with a warning). */
export function numpyMean(a: Float64Like, start = 0, n = a.length - start): number {
  return numpySum(a, start, n) / n;
}
