/**
 * Datamodel estimators (SPEC §5): regress every model output (a logit of a target point) on
 * the inclusion masks. Outputs are [M × D] (D = points × classes), masks [M × n] uint8; the
 * fitted β is [n × D], the effect of including training point i on output d, and predictions
 * are centred as fitted: ŷ(z) = ȳ + (z − z̄)ᵀ β.
 *
 * `ridge` works through the M×M kernel (Xc Xcᵀ + λI), factored in float64; the products with
 * the outputs (M × D, large) run in float32 on the TF.js backend, in blocks of columns.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnlearnError } from '../errors';
import { cholesky, choleskySolve, gram, mulABt } from './linalg';

export const ESTIMATORS = ['ridge', 'diff-means'] as const;
export type Estimator = (typeof ESTIMATORS)[number];

export interface DatamodelFit {
  estimator: Estimator;
  n: number;
  D: number;
  /** [n × D] float32. */
  beta: Float32Array;
  /** ȳ: mean output over the fitting models, [D]. */
  intercept: Float64Array;
  /** z̄: inclusion frequency of each training point over the fitting models, [n]. */
  maskMean: Float64Array;
  lambda?: number;
}

/** Columns per block in products with the outputs: bounds the backend's temporary memory. */
const BLOCK = 4096;

function check(masks: Uint8Array, M: number, n: number, outputs: Float32Array, D: number): void {
  if (masks.length !== M * n) throw new UnlearnError('bad-config', `masks hold ${masks.length} values, expected M × n = ${M} × ${n}`);
  if (outputs.length !== M * D) throw new UnlearnError('bad-config', `outputs hold ${outputs.length} values, expected M × D = ${M} × ${D}`);
  if (M < 2) throw new UnlearnError('bad-config', `fitting a datamodel needs at least 2 subset models, got ${M}`);
}

function columnMeans(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const m = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m[c] += a[r * cols + c];
  for (let c = 0; c < cols; c++) m[c] /= rows;
  return m;
}

function centred(a: ArrayLike<number>, rows: number, cols: number, mean: Float64Array): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = a[r * cols + c] - mean[c];
  return out;
}

/** left [a × M] (float64) times the centred outputs [M × D]: [a × D] float32, via the backend in column blocks. */
function timesOutputs(left: Float64Array, a: number, M: number, outputs: Float32Array, D: number, intercept: Float64Array): Float32Array {
  const out = new Float32Array(a * D);
  const l = tf.tensor2d(Float32Array.from(left), [a, M]);
  try {
    for (let c0 = 0; c0 < D; c0 += BLOCK) {
      const w = Math.min(BLOCK, D - c0);
      const blk = new Float32Array(M * w);
      for (let r = 0; r < M; r++) for (let c = 0; c < w; c++) blk[r * w + c] = outputs[r * D + c0 + c] - intercept[c0 + c];
      const prod = tf.tidy(() => tf.matMul(l, tf.tensor2d(blk, [M, w])));
      const v = prod.dataSync() as Float32Array;
      prod.dispose();
      for (let r = 0; r < a; r++) out.set(v.subarray(r * w, (r + 1) * w), r * D + c0);
    }
  } finally {
    l.dispose();
  }
  return out;
}

/** A ridge problem with the kernel computed once, so several λ can be tried cheaply on held-out masks. */
export class RidgeProblem {
  readonly maskMean: Float64Array;
  readonly intercept: Float64Array;
  private readonly xc: Float64Array;
  private readonly kernel: Float64Array;
  /** Mean diagonal of the kernel: λ is given relative to it, so one grid suits any M and n. */
  readonly scale: number;

  constructor(
    masks: Uint8Array,
    readonly M: number,
    readonly n: number,
    private readonly outputs: Float32Array,
    readonly D: number,
  ) {
    check(masks, M, n, outputs, D);
    this.maskMean = columnMeans(masks, M, n);
    this.intercept = columnMeans(outputs, M, D);
    this.xc = centred(masks, M, n, this.maskMean);
    this.kernel = gram(this.xc, M, n);
    let tr = 0;
    for (let i = 0; i < M; i++) tr += this.kernel[i * M + i];
    this.scale = tr / M;
  }

  private factor(lambdaRel: number): Float64Array {
    const a = Float64Array.from(this.kernel);
    const lam = lambdaRel * this.scale;
    for (let i = 0; i < this.M; i++) a[i * this.M + i] += lam;
    return cholesky(a, this.M);
  }

  /** Predicted outputs [h × D] for other masks, without forming β: (Zh − z̄) Xcᵀ (K + λI)⁻¹ Yc. */
  predict(lambdaRel: number, masks: Uint8Array, h: number): Float32Array {
    const zh = centred(masks, h, this.n, this.maskMean);
    const kh = mulABt(this.xc, this.M, zh, h, this.n); // M × h = Xc Zhᵀ
    choleskySolve(this.factor(lambdaRel), this.M, kh, h);
    const g = new Float64Array(h * this.M);
    for (let i = 0; i < this.M; i++) for (let j = 0; j < h; j++) g[j * this.M + i] = kh[i * h + j];
    const pred = timesOutputs(g, h, this.M, this.outputs, this.D, this.intercept);
    for (let j = 0; j < h; j++) for (let d = 0; d < this.D; d++) pred[j * this.D + d] += this.intercept[d];
    return pred;
  }

  fit(lambdaRel: number): DatamodelFit {
    // β = Xcᵀ (K + λI)⁻¹ Yc = Zᵀ Yc with Z = (K + λI)⁻¹ Xc.
    const z = choleskySolve(this.factor(lambdaRel), this.M, Float64Array.from(this.xc), this.n);
    const zt = new Float64Array(this.n * this.M);
    for (let i = 0; i < this.M; i++) for (let j = 0; j < this.n; j++) zt[j * this.M + i] = z[i * this.n + j];
    const beta = timesOutputs(zt, this.n, this.M, this.outputs, this.D, this.intercept);
    return { estimator: 'ridge', n: this.n, D: this.D, beta, intercept: this.intercept, maskMean: this.maskMean, lambda: lambdaRel };
  }
}

/** Ridge datamodels; λ is relative to the kernel's mean diagonal (≈ α(1−α)n). */
export function ridgeFit(masks: Uint8Array, M: number, n: number, outputs: Float32Array, D: number, lambdaRel: number): DatamodelFit {
  return new RidgeProblem(masks, M, n, outputs, D).fit(lambdaRel);
}

/**
 * β_i = mean output of the models that included i − mean of those that did not. With
 * independent random masks this is the one-variable regression slope on z_i.
 */
export function diffMeansFit(masks: Uint8Array, M: number, n: number, outputs: Float32Array, D: number): DatamodelFit {
  check(masks, M, n, outputs, D);
  const maskMean = columnMeans(masks, M, n);
  const intercept = columnMeans(outputs, M, D);
  // Row i of the weights: +1/c1 for models including i, −1/c0 for the others (a zero row when
  // every model, or none, included i: no evidence).
  const w = new Float64Array(n * M);
  for (let i = 0; i < n; i++) {
    const c1 = Math.round(maskMean[i] * M);
    const c0 = M - c1;
    if (c1 === 0 || c0 === 0) continue;
    for (let m = 0; m < M; m++) w[i * M + m] = masks[m * n + i] ? 1 / c1 : -1 / c0;
  }
  const beta = timesOutputs(w, n, M, outputs, D, intercept);
  return { estimator: 'diff-means', n, D, beta, intercept, maskMean };
}

/** ŷ for masks [h × n]: ȳ + (z − z̄)ᵀ β, [h × D]. */
export function predictWithFit(fit: DatamodelFit, masks: Uint8Array, h: number): Float32Array {
  const zc = centred(masks, h, fit.n, fit.maskMean);
  const out = new Float32Array(h * fit.D);
  const z = tf.tensor2d(Float32Array.from(zc), [h, fit.n]);
  try {
    for (let c0 = 0; c0 < fit.D; c0 += BLOCK) {
      const w = Math.min(BLOCK, fit.D - c0);
      const blk = new Float32Array(fit.n * w);
      for (let r = 0; r < fit.n; r++) blk.set(fit.beta.subarray(r * fit.D + c0, r * fit.D + c0 + w), r * w);
      const prod = tf.tidy(() => tf.matMul(z, tf.tensor2d(blk, [fit.n, w])));
      const v = prod.dataSync() as Float32Array;
      prod.dispose();
      for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) out[r * fit.D + c0 + c] = v[r * w + c] + fit.intercept[c0 + c];
    }
  } finally {
    z.dispose();
  }
  return out;
}

/** Σ_{i∈F} β_i, [D] (float64 accumulation): what DM-Direct subtracts. */
export function sumRows(beta: Float32Array, D: number, rows: ArrayLike<number>): Float64Array {
  const s = new Float64Array(D);
  for (let k = 0; k < rows.length; k++) {
    const off = rows[k] * D;
    for (let d = 0; d < D; d++) s[d] += beta[off + d];
  }
  return s;
}
