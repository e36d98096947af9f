/**
 * Small dense float64 linear algebra for the M×M kernel of ridge datamodels (M up to a few
 * thousand): Cholesky and triangular solves on row-major Float64Arrays. Large products with
 * the model outputs go to the TF.js backend instead (see estimators.ts).
 */
import { UnlearnError } from '../errors';

/** Lower-triangular L with A = L Lᵀ (A symmetric positive definite, m × m, row-major). */
export function cholesky(a: Float64Array, m: number): Float64Array {
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const ri = i * m;
    for (let j = 0; j <= i; j++) {
      const rj = j * m;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= L[ri + k] * L[rj + k];
      if (i === j) {
        if (!(s > 0)) throw new UnlearnError('bad-config', `kernel matrix is not positive definite at row ${i} (increase the ridge λ)`);
        L[ri + i] = Math.sqrt(s);
      } else L[ri + j] = s / L[rj + j];
    }
  }
  return L;
}

/**
 * Solves (L Lᵀ) X = B for X, with B m × r row-major (overwritten and returned). Works column-
 * block-wise over the r right-hand sides so rows stay contiguous.
 */
export function choleskySolve(L: Float64Array, m: number, B: Float64Array, r: number): Float64Array {
  // Forward: L Y = B.
  for (let i = 0; i < m; i++) {
    const bi = i * r;
    for (let k = 0; k < i; k++) {
      const l = L[i * m + k];
      if (l === 0) continue;
      const bk = k * r;
      for (let c = 0; c < r; c++) B[bi + c] -= l * B[bk + c];
    }
    const d = L[i * m + i];
    for (let c = 0; c < r; c++) B[bi + c] /= d;
  }
  // Backward: Lᵀ X = Y.
  for (let i = m - 1; i >= 0; i--) {
    const bi = i * r;
    for (let k = i + 1; k < m; k++) {
      const l = L[k * m + i];
      if (l === 0) continue;
      const bk = k * r;
      for (let c = 0; c < r; c++) B[bi + c] -= l * B[bk + c];
    }
    const d = L[i * m + i];
    for (let c = 0; c < r; c++) B[bi + c] /= d;
  }
  return B;
}

/** A Aᵀ for A m × n row-major (float64). */
export function gram(a: Float64Array, m: number, n: number): Float64Array {
  const g = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = 0; k < n; k++) s += a[ri + k] * a[rj + k];
      g[i * m + j] = s;
      g[j * m + i] = s;
    }
  }
  return g;
}

/** A Bᵀ for A p × n and B m × n (row-major): p × m. */
export function mulABt(a: Float64Array, p: number, b: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(p * m);
  for (let i = 0; i < p; i++) {
    const ri = i * n;
    for (let j = 0; j < m; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = 0; k < n; k++) s += a[ri + k] * b[rj + k];
      out[i * m + j] = s;
    }
  }
  return out;
}
