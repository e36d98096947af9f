/**
 * Datamodel estimators (SPEC §5): regress every model output (a logit of a target point) on
 * the inclusion masks. Outputs are [M × D] (D = points × classes), masks [M × n] uint8; the
 * fitted β is [n × D], the effect of including training point i on output d, and predictions
 * are centred as fitted: ŷ(z) = ȳ + (z − z̄)ᵀ β.
 *
 * Every estimator is a `BlockFitter`: it produces β one block of columns at a time, so a fit
 * never holds n × D floats (datamodels.ts streams the blocks into beta.npy). Products with
 * the outputs run in float32 on the TF.js backend, TILE columns at a time: the backend's sums
 * depend on the width of a matrix, and fixed tiles make β independent of the block size.
 *
 * `ridge` works through the M×M kernel (Xc Xcᵀ + λI), factored in float64. `lasso` runs
 * FISTA in covariance form, G = Xcᵀ Xc / M, on a tile of outputs at once (see LassoProblem).
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnlearnError } from '../errors';
import { cholesky, choleskySolve, gram, mulABt } from './linalg';

export const ESTIMATORS = ['ridge', 'lasso', 'diff-means'] as const;
export type Estimator = (typeof ESTIMATORS)[number];

/** Output columns per backend product. Block sizes are multiples of it. */
export const TILE = 256;

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

/** An estimator ready to produce β column block by column block. */
export interface BlockFitter {
  readonly estimator: Estimator;
  readonly n: number;
  readonly D: number;
  readonly intercept: Float64Array;
  readonly maskMean: Float64Array;
  readonly lambda?: number;
  /** β[:, c0 : c0 + w] as [n × w] float32; c0 is a multiple of TILE. */
  fitColumns(c0: number, w: number): Float32Array;
  dispose(): void;
}

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

/** Columns `cols` (or c0 … c0 + w) of the centred outputs, [M × w] float32. */
function centredColumns(outputs: Float32Array, M: number, D: number, intercept: Float64Array, cols: ArrayLike<number>): Float32Array {
  const w = cols.length;
  const blk = new Float32Array(M * w);
  for (let r = 0; r < M; r++) for (let c = 0; c < w; c++) blk[r * w + c] = outputs[r * D + cols[c]] - intercept[cols[c]];
  return blk;
}

function range(c0: number, w: number): Int32Array {
  return Int32Array.from({ length: w }, (_, i) => c0 + i);
}

/** Copies columns t0 … t0 + tw of a [rows × w] matrix. */
function sliceColumns(a: Float32Array, rows: number, w: number, t0: number, tw: number): Float32Array {
  if (t0 === 0 && tw === w) return a;
  const out = new Float32Array(rows * tw);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * w + t0, r * w + t0 + tw), r * tw);
  return out;
}

function setColumns(out: Float32Array, rows: number, w: number, t0: number, tile: Float32Array, tw: number): void {
  for (let r = 0; r < rows; r++) out.set(tile.subarray(r * tw, (r + 1) * tw), r * w + t0);
}

/** left [a × r] times right [r × w] (columns supplied per tile): [a × w], one product per TILE columns. */
function tiledProduct(left: tf.Tensor2D, w: number, tileColumns: (t0: number, tw: number) => Float32Array): Float32Array {
  const [a, r] = left.shape;
  const out = new Float32Array(a * w);
  for (let t0 = 0; t0 < w; t0 += TILE) {
    const tw = Math.min(TILE, w - t0);
    const prod = tf.tidy(() => tf.matMul(left, tf.tensor2d(tileColumns(t0, tw), [r, tw])));
    const v = prod.dataSync() as Float32Array;
    prod.dispose();
    setColumns(out, a, w, t0, v, tw);
  }
  return out;
}

/** β = W Yc for a fixed [n × M] weight matrix W: ridge and diff-means are both of this form. */
class LinearFitter implements BlockFitter {
  private readonly weights: tf.Tensor2D;
  private readonly M: number;

  constructor(
    readonly estimator: Estimator,
    weights: Float64Array,
    readonly n: number,
    private readonly outputs: Float32Array,
    readonly D: number,
    readonly intercept: Float64Array,
    readonly maskMean: Float64Array,
    readonly lambda?: number,
  ) {
    this.M = weights.length / n;
    this.weights = tf.tensor2d(Float32Array.from(weights), [n, this.M]);
  }

  fitColumns(c0: number, w: number): Float32Array {
    return tiledProduct(this.weights, w, (t0, tw) => centredColumns(this.outputs, this.M, this.D, this.intercept, range(c0 + t0, tw)));
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/** The whole β of a fitter (small problems and tests; datamodels.ts streams blocks instead). */
export function fitAll(fitter: BlockFitter): DatamodelFit {
  try {
    const beta = new Float32Array(fitter.n * fitter.D);
    for (let c0 = 0; c0 < fitter.D; c0 += 16 * TILE) {
      const w = Math.min(16 * TILE, fitter.D - c0);
      setColumns(beta, fitter.n, fitter.D, c0, fitter.fitColumns(c0, w), w);
    }
    return { estimator: fitter.estimator, n: fitter.n, D: fitter.D, beta, intercept: fitter.intercept, maskMean: fitter.maskMean, lambda: fitter.lambda };
  } finally {
    fitter.dispose();
  }
}

/** Centred masks on the backend, to predict outputs block by block: ŷ = ȳ + (z − z̄)ᵀ β. */
export class MaskPredictor {
  private readonly zc: tf.Tensor2D;

  constructor(
    masks: Uint8Array,
    readonly h: number,
    readonly n: number,
    maskMean: Float64Array,
  ) {
    this.zc = tf.tensor2d(Float32Array.from(centred(masks, h, n, maskMean)), [h, n]);
  }

  /** [h × w] predictions of the outputs `cols` from their β columns [n × w]. */
  predict(beta: Float32Array, cols: ArrayLike<number>, intercept: Float64Array): Float32Array {
    const w = cols.length;
    const out = tiledProduct(this.zc, w, (t0, tw) => sliceColumns(beta, this.n, w, t0, tw));
    for (let r = 0; r < this.h; r++) for (let c = 0; c < w; c++) out[r * w + c] += intercept[cols[c]];
    return out;
  }

  dispose(): void {
    this.zc.dispose();
  }
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
    const f = new LinearFitter('ridge', g, h, this.outputs, this.D, this.intercept, this.maskMean);
    try {
      const pred = f.fitColumns(0, this.D);
      for (let j = 0; j < h; j++) for (let d = 0; d < this.D; d++) pred[j * this.D + d] += this.intercept[d];
      return pred;
    } finally {
      f.dispose();
    }
  }

  /** β = Xcᵀ (K + λI)⁻¹ Yc = Zᵀ Yc with Z = (K + λI)⁻¹ Xc. */
  fitter(lambdaRel: number): BlockFitter {
    const z = choleskySolve(this.factor(lambdaRel), this.M, Float64Array.from(this.xc), this.n);
    const zt = new Float64Array(this.n * this.M);
    for (let i = 0; i < this.M; i++) for (let j = 0; j < this.n; j++) zt[j * this.M + i] = z[i * this.n + j];
    return new LinearFitter('ridge', zt, this.n, this.outputs, this.D, this.intercept, this.maskMean, lambdaRel);
  }

  fit(lambdaRel: number): DatamodelFit {
    return fitAll(this.fitter(lambdaRel));
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
export function diffMeansFitter(masks: Uint8Array, M: number, n: number, outputs: Float32Array, D: number): BlockFitter {
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
  return new LinearFitter('diff-means', w, n, outputs, D, intercept, maskMean);
}

export function diffMeansFit(masks: Uint8Array, M: number, n: number, outputs: Float32Array, D: number): DatamodelFit {
  return fitAll(diffMeansFitter(masks, M, n, outputs, D));
}

/** ŷ for masks [h × n]: ȳ + (z − z̄)ᵀ β, [h × D]. */
export function predictWithFit(fit: DatamodelFit, masks: Uint8Array, h: number): Float32Array {
  const p = new MaskPredictor(masks, h, fit.n, fit.maskMean);
  try {
    return p.predict(fit.beta, range(0, fit.D), fit.intercept);
  } finally {
    p.dispose();
  }
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

/**
 * Lasso datamodels: per output d, min_b (1/2M)‖yc_d − Xc b‖² + λ_d ‖b‖₁, with
 * λ_d = ρ · λ₀_d and λ₀_d = σ_d · s · √(2 ln n / M), the size the largest correlation of pure
 * noise with a mask column reaches (σ_d: standard deviation of output d over the fitting models,
 * s: root mean square of the centred mask entries). So ρ = 1 is the usual "universal" threshold
 * whatever the scale of an output, and one grid of ρ suits every output.
 *
 * Solver: FISTA (accelerated proximal gradient) in covariance form, G = Xcᵀ Xc / M [n × n] and
 * c = Xcᵀ yc / M, on TILE outputs at once: each iteration is one n × n by n × TILE product on
 * the backend plus elementwise soft-thresholding. Coordinate descent, which SPEC names, updates
 * one coefficient at a time, i.e. n small dependent steps per sweep that the backend cannot
 * batch; FISTA solves the same objective with whole-matrix steps. A tile stops when its largest
 * coefficient change over an iteration is below `tol` times its largest coefficient.
 */
export const DEFAULT_LASSO_GRID = [2, 1, 0.5, 0.25, 0.125];

export interface LassoOptions {
  /** Relative change at which a tile has converged (default 1e-4). */
  tol?: number;
  /** Iteration cap per tile and λ (default 500). */
  maxIter?: number;
}

export class LassoProblem {
  readonly maskMean: Float64Array;
  readonly intercept: Float64Array;
  /** λ₀ per output (see above). */
  readonly lambda0: Float64Array;
  /** 1 / (largest eigenvalue of G): the proximal gradient step. */
  readonly step: number;
  /** Iterations run so far, over all tiles and λ (for reporting). */
  iterations = 0;
  private readonly gram: tf.Tensor2D;
  /** Xcᵀ / M, [n × M]. */
  private readonly xct: tf.Tensor2D;
  private readonly tol: number;
  private readonly maxIter: number;

  constructor(
    masks: Uint8Array,
    readonly M: number,
    readonly n: number,
    private readonly outputs: Float32Array,
    readonly D: number,
    opts: LassoOptions = {},
  ) {
    check(masks, M, n, outputs, D);
    this.tol = opts.tol ?? 1e-4;
    this.maxIter = opts.maxIter ?? 500;
    this.maskMean = columnMeans(masks, M, n);
    this.intercept = columnMeans(outputs, M, D);
    const xc = centred(masks, M, n, this.maskMean);
    let ss = 0;
    for (const v of xc) ss += v * v;
    const s = Math.sqrt(ss / (M * n));
    const variance = new Float64Array(D);
    for (let r = 0; r < M; r++) for (let d = 0; d < D; d++) variance[d] += (outputs[r * D + d] - this.intercept[d]) ** 2 / M;
    const noise = s * Math.sqrt((2 * Math.log(Math.max(2, n))) / M);
    this.lambda0 = variance.map((v) => Math.sqrt(v) * noise);
    const xcT = tf.tensor2d(Float32Array.from(xc), [M, n]);
    try {
      this.xct = tf.tidy(() => tf.div(tf.transpose(xcT), M) as tf.Tensor2D);
      this.gram = tf.tidy(() => tf.div(tf.matMul(xcT, xcT, true, false), M) as tf.Tensor2D);
    } finally {
      xcT.dispose();
    }
    this.step = 1 / (1.05 * this.largestEigenvalue());
  }

  /** Power iteration on G (slightly low, hence the margin on the step). */
  private largestEigenvalue(): number {
    let v = tf.ones([this.n, 1]) as tf.Tensor2D;
    let est = 0;
    for (let k = 0; k < 100; k++) {
      const next = tf.tidy(() => tf.matMul(this.gram, v));
      const norm = tf.tidy(() => tf.norm(next)).dataSync()[0];
      v.dispose();
      v = tf.tidy(() => tf.div(next, Math.max(norm, 1e-30)) as tf.Tensor2D);
      next.dispose();
      const prev = est;
      est = norm / (k === 0 ? Math.sqrt(this.n) : 1);
      if (k > 5 && Math.abs(est - prev) <= 1e-6 * est) break;
    }
    v.dispose();
    if (!(est > 0)) throw new UnlearnError('bad-config', 'lasso: the centred masks are all zero (every model included the same points)');
    return est;
  }

  /** FISTA for the outputs whose centred columns are `yc` [M × w], at λ_d = ρ λ₀_d, from `start` (else 0). */
  private solveTile(yc: Float32Array, cols: ArrayLike<number>, rho: number, start?: Float32Array): Float32Array {
    const w = cols.length;
    const thresh = Float32Array.from({ length: w }, (_, c) => this.step * rho * this.lambda0[cols[c]]);
    const c = tf.tidy(() => tf.matMul(this.xct, tf.tensor2d(yc, [this.M, w])));
    const th = tf.tensor2d(thresh, [1, w]);
    let x: tf.Tensor2D = start ? tf.tensor2d(start, [this.n, w]) : tf.zeros([this.n, w]);
    let y: tf.Tensor2D = tf.clone(x);
    let t = 1;
    try {
      for (let it = 1; it <= this.maxIter; it++) {
        this.iterations++;
        const xNew = tf.tidy(() => {
          const v = tf.sub(y, tf.mul(tf.sub(tf.matMul(this.gram, y), c), this.step));
          return tf.mul(tf.sign(v), tf.relu(tf.sub(tf.abs(v), th))) as tf.Tensor2D;
        });
        const tNew = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
        const yNew = tf.tidy(() => tf.add(xNew, tf.mul(tf.sub(xNew, x), (t - 1) / tNew)) as tf.Tensor2D);
        let done = false;
        if (it % 10 === 0 || it === this.maxIter) {
          const [change, size] = tf.tidy(() => tf.stack([tf.max(tf.abs(tf.sub(xNew, x))), tf.max(tf.abs(xNew))])).dataSync();
          done = change <= this.tol * size;
        }
        x.dispose();
        y.dispose();
        x = xNew;
        y = yNew;
        t = tNew;
        if (done) break;
      }
      return x.dataSync() as Float32Array;
    } finally {
      for (const a of [c, th, x, y]) a.dispose();
    }
  }

  fitter(rho: number): BlockFitter {
    const fitColumns = (c0: number, w: number): Float32Array => {
      const out = new Float32Array(this.n * w);
      for (let t0 = 0; t0 < w; t0 += TILE) {
        const cols = range(c0 + t0, Math.min(TILE, w - t0));
        setColumns(out, this.n, w, t0, this.solveTile(centredColumns(this.outputs, this.M, this.D, this.intercept, cols), cols, rho), cols.length);
      }
      return out;
    };
    return { estimator: 'lasso', n: this.n, D: this.D, intercept: this.intercept, maskMean: this.maskMean, lambda: rho, fitColumns, dispose: () => undefined };
  }

  fit(rho: number): DatamodelFit {
    return fitAll(this.fitter(rho));
  }

  /**
   * The regularisation path over `rhos` (largest first; each solve starts from the previous
   * one) for the outputs `cols`: predictions [h × |cols|] of the predictor's models per ρ.
   */
  predictPath(rhos: readonly number[], cols: ArrayLike<number>, predictor: MaskPredictor): Float32Array[] {
    const order = rhos.map((r, i) => ({ r, i })).sort((a, b) => b.r - a.r);
    const w = cols.length;
    const preds = rhos.map(() => new Float32Array(predictor.h * w));
    for (let t0 = 0; t0 < w; t0 += TILE) {
      const tc = Array.from({ length: Math.min(TILE, w - t0) }, (_, k) => cols[t0 + k]);
      const yc = centredColumns(this.outputs, this.M, this.D, this.intercept, tc);
      let beta: Float32Array | undefined;
      for (const { r, i } of order) {
        beta = this.solveTile(yc, tc, r, beta);
        setColumns(preds[i], predictor.h, w, t0, predictor.predict(beta, tc, this.intercept), tc.length);
      }
    }
    return preds;
  }

  dispose(): void {
    this.gram.dispose();
    this.xct.dispose();
  }
}
