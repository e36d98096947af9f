/**
 * Dense float64 linear algebra for the linear study: row-major matrices on typed arrays and
 * just the operations the study needs. Nothing here forms an explicit inverse.
 */
export interface Mat {
  rows: number;
  cols: number;
  /** Row-major, rows × cols. */
  data: Float64Array;
}

export function zeros(rows: number, cols: number): Mat {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/**
 * Σ_t a[oa + t]·b[ob + t] for t < len, with four partial sums: the study's time goes into these
 * products, and independent accumulators let V8 overlap the multiply-adds (about twice as fast).
 */
export function rowDot(a: Float64Array, oa: number, b: Float64Array, ob: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 3 < len; t += 4) {
    s0 += a[oa + t] * b[ob + t];
    s1 += a[oa + t + 1] * b[ob + t + 1];
    s2 += a[oa + t + 2] * b[ob + t + 2];
    s3 += a[oa + t + 3] * b[ob + t + 3];
  }
  for (; t < len; t++) s0 += a[oa + t] * b[ob + t];
  return s0 + s1 + (s2 + s3);
}

/** out = A x */
export function matVec(a: Mat, x: Float64Array, out: Float64Array = new Float64Array(a.rows)): Float64Array {
  const { rows, cols, data } = a;
  for (let i = 0; i < rows; i++) out[i] = rowDot(data, i * cols, x, 0, cols);
  return out;
}

/** out = Aᵀ x, accumulated row by row so the matrix is read in storage order. */
export function matTVec(a: Mat, x: Float64Array, out: Float64Array = new Float64Array(a.cols)): Float64Array {
  const { rows, cols, data } = a;
  out.fill(0);
  for (let i = 0; i < rows; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[j] += data[o + j] * xi;
  }
  return out;
}

/** A Bᵀ (A: m × p, B: q × p). */
export function mulABt(a: Mat, b: Mat): Mat {
  const out = zeros(a.rows, b.rows);
  const p = a.cols;
  for (let i = 0; i < a.rows; i++) {
    const oa = i * p;
    for (let j = 0; j < b.rows; j++) {
      out.data[i * b.rows + j] = rowDot(a.data, oa, b.data, j * p, p);
    }
  }
  return out;
}

/** A Aᵀ, filling both triangles from one. */
export function gramRows(a: Mat): Mat {
  const n = a.rows;
  const p = a.cols;
  const out = zeros(n, n);
  for (let i = 0; i < n; i++) {
    const oi = i * p;
    for (let j = 0; j <= i; j++) {
      const s = rowDot(a.data, oi, a.data, j * p, p);
      out.data[i * n + j] = s;
      out.data[j * n + i] = s;
    }
  }
  return out;
}

/** Aᵀ A, as a sum of the rows' outer products (upper triangle), then mirrored. */
export function gramCols(a: Mat): Mat {
  const d = a.cols;
  const out = zeros(d, d);
  for (let r = 0; r < a.rows; r++) {
    const o = r * d;
    for (let i = 0; i < d; i++) {
      const ai = a.data[o + i];
      if (ai === 0) continue;
      const oi = i * d;
      for (let j = i; j < d; j++) out.data[oi + j] += ai * a.data[o + j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) out.data[i * d + j] = out.data[j * d + i];
  return out;
}

export function selectRows(a: Mat, idx: ArrayLike<number>): Mat {
  const out = zeros(idx.length, a.cols);
  for (let i = 0; i < idx.length; i++) out.data.set(a.data.subarray(idx[i] * a.cols, (idx[i] + 1) * a.cols), i * a.cols);
  return out;
}

/** The square submatrix M[idx, idx]. */
export function selectSym(m: Mat, idx: ArrayLike<number>): Mat {
  const k = idx.length;
  const out = zeros(k, k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out.data[i * k + j] = m.data[idx[i] * m.cols + idx[j]];
  return out;
}

export function addDiagonal(m: Mat, v: number): Mat {
  const out: Mat = { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
  for (let i = 0; i < m.rows; i++) out.data[i * m.cols + i] += v;
  return out;
}

/**
 * Lower Cholesky factor of a symmetric positive definite matrix, or null when a pivot is not
 * positive (the caller knows what a failure means for its setting and words the error).
 */
export function cholesky(m: Mat): Mat | null {
  const n = m.rows;
  const l = zeros(n, n);
  const L = l.data;
  for (let j = 0; j < n; j++) {
    let s = m.data[j * n + j];
    const oj = j * n;
    for (let t = 0; t < j; t++) s -= L[oj + t] * L[oj + t];
    if (!(s > 0) || !Number.isFinite(s)) return null;
    const djj = Math.sqrt(s);
    L[oj + j] = djj;
    for (let i = j + 1; i < n; i++) {
      const oi = i * n;
      let v = m.data[oi + j];
      for (let t = 0; t < j; t++) v -= L[oi + t] * L[oj + t];
      L[oi + j] = v / djj;
    }
  }
  return l;
}

/** Solves (L Lᵀ) x = b by forward then backward substitution. */
export function cholSolve(l: Mat, b: Float64Array): Float64Array {
  const n = l.rows;
  const L = l.data;
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i];
    const oi = i * n;
    for (let t = 0; t < i; t++) s -= L[oi + t] * x[t];
    x[i] = s / L[oi + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let t = i + 1; t < n; t++) s -= L[t * n + i] * x[t];
    x[i] = s / L[i * n + i];
  }
  return x;
}

export function dot(a: Float64Array, b: Float64Array): number {
  return rowDot(a, 0, b, 0, a.length);
}

export function norm2(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

export function sub(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/**
 * Largest eigenvalue of a symmetric positive semi-definite matrix by power iteration, stopping
 * when the Rayleigh quotient settles. The quotient never overshoots, so a step size derived from it
 * errs by at most the remaining gap.
 */
export function largestEigenvalue(m: Mat, start: Float64Array, tol = 1e-12, maxIter = 5000): number {
  let v = Float64Array.from(start);
  let nv = norm2(v);
  if (nv === 0) {
    v.fill(1);
    nv = norm2(v);
  }
  for (let i = 0; i < v.length; i++) v[i] /= nv;
  let w = new Float64Array(v.length);
  let prev = 0;
  for (let it = 0; it < maxIter; it++) {
    matVec(m, v, w);
    const rq = dot(v, w);
    const nw = norm2(w);
    if (nw === 0) return 0;
    for (let i = 0; i < w.length; i++) w[i] /= nw;
    [v, w] = [w, v];
    if (it > 0 && Math.abs(rq - prev) <= tol * Math.abs(rq)) return rq;
    prev = rq;
  }
  return prev;
}
