/**
 * Closed-form ridge solutions for the study: θ on S, θ_r on R, and the datamodel route's
 * prediction of θ_r from θ alone. Each works on the smaller of the two systems: the n × n Gram
 * matrix XXᵀ + λI (dual: θ = Xᵀα) when n ≤ d, else the d × d matrix XᵀX + λI (primal).
 *
 * The dual form also makes the iterations cheap: θ starts in the row span of X and every gradient
 * (Xᵀr + λθ) stays in it, so θ_t = Xᵀc_t exactly and a step costs one n × n product instead of two
 * n × d ones. `Basis` hides which coordinates a run uses.
 */
import { UnlearnError } from '../errors';
import {
  type Mat,
  addDiagonal,
  cholSolve,
  cholesky,
  dot,
  gramCols,
  gramRows,
  largestEigenvalue,
  matTVec,
  matVec,
  mulABt,
  norm2,
  selectRows,
  selectSym,
  zeros,
} from './dense';
import type { LinearData } from './data';
import { createRng } from './rng';
import type { LinearSettings } from './settings';

export interface Gap {
  paramDist: number;
  /** X(θ − θ_ref) */
  dp: Float64Array;
  /** X_test(θ − θ_ref) */
  dpTest: Float64Array;
}

export interface Basis {
  kind: 'dual' | 'primal';
  /** Length of a state vector: n (dual coefficients c, θ = Xᵀc) or d (θ itself). */
  dim: number;
  /** out = Xθ, the predictions on S. */
  predict(state: Float64Array, out: Float64Array): void;
  /** One gradient step for the objective whose gradient is Xᵀr + λ_m θ. */
  step(state: Float64Array, r: Float64Array, lr: number, lambdaM: number, scratch: Float64Array): void;
  /**
   * The gap θ − θ_ref as ‖θ − θ_ref‖ and its predictions on S and on the test points, formed from
   * the coordinate difference so that a small gap keeps its digits.
   */
  gap(state: Float64Array, ref: Float64Array): Gap;
  /** ‖θ‖², given p = Xθ. */
  normSq(state: Float64Array, p: Float64Array): number;
  /** ‖θ − θ_ref‖², given p = Xθ and pRef = Xθ_ref: cheap enough to check every step for blow-up. */
  distSqCheap(state: Float64Array, p: Float64Array, ref: Float64Array, pRef: Float64Array): number;
}

/** The test predictions use X_test Xᵀ (nTest × n), formed once, instead of X_test (nTest × d) per record. */
function dualBasis(x: Mat, gram: Mat, gramTest: Mat): Basis {
  return {
    kind: 'dual',
    dim: x.rows,
    predict: (c, out) => void matVec(gram, c, out),
    step(c, r, lr, lambdaM) {
      const shrink = 1 - lr * lambdaM;
      for (let i = 0; i < c.length; i++) c[i] = shrink * c[i] - lr * r[i];
    },
    gap(c, ref) {
      const dc = new Float64Array(c.length);
      for (let i = 0; i < c.length; i++) dc[i] = c[i] - ref[i];
      const dp = matVec(gram, dc);
      // ‖Xᵀδc‖² = δcᵀ(XXᵀ)δc; with n ≤ d the Gram matrix is well conditioned, so this keeps its digits.
      return { paramDist: Math.sqrt(Math.max(0, dot(dc, dp))), dp, dpTest: matVec(gramTest, dc) };
    },
    normSq: (c, p) => dot(c, p),
    distSqCheap(c, p, ref, pRef) {
      let s = 0;
      for (let i = 0; i < c.length; i++) s += (c[i] - ref[i]) * (p[i] - pRef[i]);
      return s;
    },
  };
}

function primalBasis(x: Mat, xTest: Mat): Basis {
  return {
    kind: 'primal',
    dim: x.cols,
    predict: (theta, out) => void matVec(x, theta, out),
    step(theta, r, lr, lambdaM, scratch) {
      matTVec(x, r, scratch);
      const shrink = 1 - lr * lambdaM;
      for (let j = 0; j < theta.length; j++) theta[j] = shrink * theta[j] - lr * scratch[j];
    },
    gap(theta, ref) {
      const dt = new Float64Array(theta.length);
      for (let j = 0; j < theta.length; j++) dt[j] = theta[j] - ref[j];
      return { paramDist: norm2(dt), dp: matVec(x, dt), dpTest: matVec(xTest, dt) };
    },
    normSq: (theta) => dot(theta, theta),
    distSqCheap(theta, _p, ref) {
      let s = 0;
      for (let j = 0; j < theta.length; j++) s += (theta[j] - ref[j]) ** 2;
      return s;
    },
  };
}

export interface ClosedForm {
  basis: Basis;
  /** Optimum on S and on R, in R^d. */
  theta: Float64Array;
  thetaR: Float64Array;
  /** The same in the basis' coordinates (the starting state and the reference). */
  state0: Float64Array;
  stateR: Float64Array;
  /** The datamodel route's estimate of θ_r from θ alone (absent when `datamodel` is `none`). */
  thetaDm: Float64Array | null;
  stateDm: Float64Array | null;
  /** λ_max(XᵀX), by power iteration on the smaller Gram matrix. */
  lambdaMax: number;
}

function factor(m: Mat, what: string, s: LinearSettings): Mat {
  const l = cholesky(m);
  if (!l) {
    throw new UnlearnError(
      'bad-config',
      `linear study: ${what} is singular at lambda = ${s.lambda} (n = ${s.n}, d = ${s.d}, k = ${s.k}); use lambda > 0`,
    );
  }
  return l;
}

function unit(n: number, i: number): Float64Array {
  const e = new Float64Array(n);
  e[i] = 1;
  return e;
}

function powerStart(dim: number, seed: number): Float64Array {
  const rng = createRng(seed, 99);
  return Float64Array.from({ length: dim }, () => rng.gaussian());
}

export function useDual(s: LinearSettings): boolean {
  return s.solver === 'dual' || (s.solver === 'auto' && s.n <= s.d);
}

/**
 * Dual route. With K = XXᵀ + λI and α = K⁻¹y, θ = Xᵀα; θ_r uses K_RR. Removing i alone changes θ by
 * −Xᵀ K⁻¹e_i · α_i / (K⁻¹)_ii (the leave-one-out identity); removing F at once by
 * −Xᵀ K⁻¹E_F ((K⁻¹)_FF)⁻¹ α_F (block elimination). Both avoid forming 1 − leverage, which is
 * of order λ here and would lose most digits as a difference.
 */
function solveDual(data: LinearData, s: LinearSettings): ClosedForm {
  const { x, y, forget, retain } = data;
  const n = x.rows;
  const gram = gramRows(x);
  const lFull = factor(addDiagonal(gram, s.lambda), 'the n × n Gram matrix XXᵀ + λI', s);
  const alpha = cholSolve(lFull, y);
  const lR = factor(addDiagonal(selectSym(gram, retain), s.lambda), 'the retain Gram matrix X_R X_Rᵀ + λI', s);
  const alphaR = cholSolve(lR, Float64Array.from(retain, (i) => y[i]));
  const stateR = new Float64Array(n);
  retain.forEach((i, j) => (stateR[i] = alphaR[j]));

  let stateDm: Float64Array | null = null;
  if (s.datamodel !== 'none') {
    const cols = forget.map((i) => cholSolve(lFull, unit(n, i)));
    stateDm = Float64Array.from(alpha);
    if (s.datamodel === 'additive') {
      forget.forEach((i, j) => {
        const w = alpha[i] / cols[j][i];
        for (let t = 0; t < n; t++) stateDm![t] -= cols[j][t] * w;
      });
    } else {
      const k = forget.length;
      const zff = zeros(k, k);
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) zff.data[a * k + b] = cols[b][forget[a]];
      const w = cholSolve(factor(zff, 'the forget block of (XXᵀ + λI)⁻¹', s), Float64Array.from(forget, (i) => alpha[i]));
      for (let b = 0; b < k; b++) for (let t = 0; t < n; t++) stateDm[t] -= cols[b][t] * w[b];
    }
  }
  return {
    basis: dualBasis(x, gram, mulABt(data.xTest, x)),
    theta: matTVec(x, alpha),
    thetaR: matTVec(x, stateR),
    state0: alpha,
    stateR,
    thetaDm: stateDm ? matTVec(x, stateDm) : null,
    stateDm,
    lambdaMax: largestEigenvalue(gram, powerStart(n, s.seed)),
  };
}

/**
 * Primal route, for n > d. Removing i alone changes θ by H⁻¹x_i e_i / (1 − h_ii) with H = XᵀX + λI,
 * residual e_i = x_iᵀθ − y_i and leverage h_ii = x_iᵀH⁻¹x_i; removing F at once by
 * H⁻¹X_Fᵀ (I − X_F H⁻¹X_Fᵀ)⁻¹ e_F (Woodbury). With n > d the leverages stay well below 1.
 */
function solvePrimal(data: LinearData, s: LinearSettings): ClosedForm {
  const { x, y, forget, retain } = data;
  const d = x.cols;
  const xtx = gramCols(x);
  const lFull = factor(addDiagonal(xtx, s.lambda), 'the d × d matrix XᵀX + λI', s);
  const theta = cholSolve(lFull, matTVec(x, y));
  const xr = selectRows(x, retain);
  const lR = factor(addDiagonal(gramCols(xr), s.lambda), 'the retain matrix X_RᵀX_R + λI', s);
  const thetaR = cholSolve(lR, matTVec(xr, Float64Array.from(retain, (i) => y[i])));

  let thetaDm: Float64Array | null = null;
  if (s.datamodel !== 'none') {
    const xf = selectRows(x, forget);
    const rows = forget.map((_, a) => xf.data.subarray(a * d, (a + 1) * d));
    const u = rows.map((row) => cholSolve(lFull, row));
    const resid = forget.map((i, a) => dot(rows[a], theta) - y[i]);
    thetaDm = Float64Array.from(theta);
    let coef: Float64Array;
    if (s.datamodel === 'additive') {
      coef = Float64Array.from(forget, (_, a) => resid[a] / (1 - dot(rows[a], u[a])));
    } else {
      const k = forget.length;
      const m = zeros(k, k);
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) m.data[a * k + b] = (a === b ? 1 : 0) - dot(rows[a], u[b]);
      coef = cholSolve(factor(m, 'I − X_F H⁻¹ X_Fᵀ', s), Float64Array.from(resid));
    }
    forget.forEach((_, a) => {
      for (let j = 0; j < d; j++) thetaDm![j] += u[a][j] * coef[a];
    });
  }
  return {
    basis: primalBasis(x, data.xTest),
    theta,
    thetaR,
    state0: Float64Array.from(theta),
    stateR: Float64Array.from(thetaR),
    thetaDm,
    stateDm: thetaDm ? Float64Array.from(thetaDm) : null,
    lambdaMax: largestEigenvalue(xtx, powerStart(d, s.seed)),
  };
}

/**
 * `solver: 'primal'` with n ≤ d (or `dual` with n > d) is allowed: slower, but it lets the tests
 * check one route against the other.
 */
export function solveClosedForm(data: LinearData, s: LinearSettings): ClosedForm {
  return useDual(s) ? solveDual(data, s) : solvePrimal(data, s);
}
