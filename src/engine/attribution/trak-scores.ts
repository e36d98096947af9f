/**
 * TRAK scores (SPEC §5) of one or several trained MLPs: projected per-example gradients of the
 * training margins Φ [n × k], residual weights Q = 1 − p_y, and for every target x and logit c
 *   τ(x, c)_i = ψ_c(x)ᵀ (ΦᵀΦ + λI)⁻¹ φ_i Q_ii,   ψ_c(x) = Pᵀ ∇θ z_c(x),
 * averaged over the models into β [n_train × targets × C] (the regression datamodels' layout).
 *
 * The projection of an outer product is cheap: Pᵀ vec(h̃ δᵀ) = Σ_q δ_q P_qᵀ h̃, so each point's
 * layer input is projected once per column block (one matMul with the block reshaped
 * [in+1, out·kb]) and then combined with the margin's δ or each logit's δ. P is generated one
 * column block at a time; ψ is never stored: each block's ψ is multiplied straight into β by
 * the matching rows of G = (ΦᵀΦ + λI)⁻¹ Φᵀ diag(Q).
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnlearnError } from '../errors';
import { cholesky, choleskySolve } from './linalg';
import { projectionBlock, type ProjectionKind } from './trak-projection';
import { layerShapes, logitTerms, marginTerms, type MlpLayers, type PerExampleTerms } from './trak-gradients';

export interface TrakSettings {
  /** Projection dimension (columns of P). */
  k: number;
  /** λ relative to the mean squared feature norm tr(ΦᵀΦ)/n (so one value suits any k and |θ|). */
  lambda: number;
  projection: ProjectionKind;
  projectionSeed: number;
  /** Columns of P generated at a time (memory; results do not depend on it beyond rounding). */
  blockColumns: number;
  /** Points per batch on the backend. */
  batchSize: number;
}

export const DEFAULT_TRAK_SETTINGS: TrakSettings = { k: 2048, lambda: 1, projection: 'rademacher', projectionSeed: 0, blockColumns: 256, batchSize: 250 };

export interface PointsOnDevice {
  /** [n, features] */
  x: tf.Tensor2D;
  /** Labels [n] (needed for training points: the margin). */
  y?: tf.Tensor1D;
  n: number;
}

export function checkTrakSettings(s: TrakSettings): void {
  if (!(Number.isInteger(s.k) && s.k >= 1)) throw new UnlearnError('bad-config', `TRAK k (projection dimension) must be a positive integer, got ${s.k}`);
  if (!(s.lambda >= 0 && Number.isFinite(s.lambda))) throw new UnlearnError('bad-config', `TRAK λ must be a finite number ≥ 0, got ${s.lambda}`);
  if (!(Number.isInteger(s.blockColumns) && s.blockColumns >= 1)) throw new UnlearnError('bad-config', `TRAK block size must be a positive integer, got ${s.blockColumns}`);
  if (!(Number.isInteger(s.batchSize) && s.batchSize >= 1)) throw new UnlearnError('bad-config', `TRAK batch size must be a positive integer, got ${s.batchSize}`);
}

type Terms = PerExampleTerms & { q?: tf.Tensor1D };

function termsInBatches(points: PointsOnDevice, batch: number, layers: number, make: (x: tf.Tensor2D, y: tf.Tensor1D | undefined) => Terms): Array<{ start: number; size: number; terms: Terms }> {
  const out: Array<{ start: number; size: number; terms: Terms }> = [];
  for (let start = 0; start < points.n; start += batch) {
    const size = Math.min(batch, points.n - start);
    // Kept across column blocks: the forward/backward pass runs once per point, not once per block.
    const flat = tf.tidy(() => {
      const t = make(tf.slice(points.x, [start, 0], [size, -1]), points.y ? tf.slice(points.y, [start], [size]) : undefined);
      return [...t.inputs, ...t.deltas, ...(t.q ? [t.q] : [])];
    });
    const terms: Terms = { inputs: flat.slice(0, layers) as tf.Tensor2D[], deltas: flat.slice(layers, 2 * layers) as tf.Tensor3D[] };
    if (flat.length > 2 * layers) terms.q = flat[2 * layers] as tf.Tensor1D;
    out.push({ start, size, terms });
  }
  return out;
}

function disposeTerms(batches: Array<{ terms: Terms }>): void {
  for (const b of batches) for (const t of [...b.terms.inputs, ...b.terms.deltas, ...(b.terms.q ? [b.terms.q] : [])]) t.dispose();
}

/** Column block [k0, k0 + kb) of every layer's projection, each as [in+1, out·kb] on the backend. */
function blockTensors(shapes: Array<{ rows: number; out: number }>, s: TrakSettings, k0: number, kb: number): tf.Tensor2D[] {
  const spec = { kind: s.projection, seed: s.projectionSeed, k: s.k };
  return shapes.map(({ rows, out }, l) => tf.tensor2d(projectionBlock(spec, l, rows, out, k0, kb), [rows, out * kb]));
}

/** Σ_l Σ_q δ_l[b, r, q] (P_lᵀ h̃_l[b])_q for one column block: [B, R, kb]. */
export function projectTerms(t: PerExampleTerms, blocks: tf.Tensor2D[], kb: number): tf.Tensor3D {
  return tf.tidy(() => {
    let acc: tf.Tensor3D | undefined;
    t.inputs.forEach((h, l) => {
      const B = h.shape[0];
      const u = tf.reshape(tf.matMul(h, blocks[l]), [B, -1, kb]) as tf.Tensor3D;
      const part = tf.matMul(t.deltas[l], u) as tf.Tensor3D;
      acc = acc ? (tf.add(acc, part) as tf.Tensor3D) : part;
    });
    if (!acc) throw new UnlearnError('bad-config', 'no layers to project');
    return acc;
  });
}

/** Φ [n × k] (margins' projected gradients) and Q [n] of one model on the training points. */
export function trainFeatures(m: MlpLayers, train: PointsOnDevice, s: TrakSettings): { phi: Float32Array; q: Float32Array } {
  checkTrakSettings(s);
  if (!train.y) throw new UnlearnError('bad-config', 'TRAK training features need the labels');
  const shapes = layerShapes(m);
  const batches = termsInBatches(train, s.batchSize, m.w.length, (x, y) => marginTerms(m, x, y as tf.Tensor1D));
  const phi = new Float32Array(train.n * s.k);
  const q = new Float32Array(train.n);
  try {
    for (const b of batches) q.set(b.terms.q?.dataSync() as Float32Array, b.start);
    for (let k0 = 0; k0 < s.k; k0 += s.blockColumns) {
      const kb = Math.min(s.blockColumns, s.k - k0);
      const blocks = blockTensors(shapes, s, k0, kb);
      try {
        for (const b of batches) {
          const f = projectTerms(b.terms, blocks, kb);
          const v = f.dataSync() as Float32Array;
          f.dispose();
          for (let i = 0; i < b.size; i++) phi.set(v.subarray(i * kb, (i + 1) * kb), (b.start + i) * s.k + k0);
        }
      } finally {
        for (const t of blocks) t.dispose();
      }
    }
  } finally {
    disposeTerms(batches);
  }
  return { phi, q };
}

/**
 * G = (ΦᵀΦ + λI)⁻¹ Φᵀ diag(Q), [k × n] float32. With k ≥ n the same matrix is formed through the
 * n × n kernel, Φᵀ (ΦΦᵀ + λI)⁻¹ diag(Q) (push-through identity): smaller, and well posed when
 * ΦᵀΦ is rank-deficient. λ_abs = λ · tr(ΦᵀΦ)/n in both cases.
 */
export function trakWeights(phi: Float32Array, n: number, k: number, q: ArrayLike<number>, lambdaRel: number): { g: Float32Array; lambdaAbs: number } {
  let tr = 0;
  for (let i = 0; i < phi.length; i++) tr += phi[i] * phi[i];
  const lambdaAbs = (lambdaRel * tr) / n;
  const P = tf.tensor2d(phi, [n, k]);
  try {
    const useKernel = k >= n;
    const m = useKernel ? n : k;
    const gramT = useKernel ? tf.matMul(P, P, false, true) : tf.matMul(P, P, true, false);
    const a = Float64Array.from(gramT.dataSync());
    gramT.dispose();
    for (let i = 0; i < m; i++) a[i * m + i] += lambdaAbs;
    const L = cholesky(a, m);
    if (useKernel) {
      const w = new Float64Array(n * n);
      for (let i = 0; i < n; i++) w[i * n + i] = q[i];
      choleskySolve(L, n, w, n);
      const g = tf.tidy(() => tf.matMul(P, tf.tensor2d(Float32Array.from(w), [n, n]), true, false));
      const out = g.dataSync() as Float32Array;
      g.dispose();
      return { g: Float32Array.from(out), lambdaAbs };
    }
    const b = new Float64Array(k * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) b[j * n + i] = phi[i * k + j] * q[i];
    choleskySolve(L, k, b, n);
    return { g: Float32Array.from(b), lambdaAbs };
  } finally {
    P.dispose();
  }
}

/**
 * Adds τ = Ψ G of one model to `beta` ([n × targets × C]), target column block by column
 * block of P; ψ of a block goes straight into the product and is dropped.
 */
export function addTargetScores(m: MlpLayers, targets: PointsOnDevice, g: Float32Array, n: number, s: TrakSettings, beta: Float32Array, weight: number): void {
  const shapes = layerShapes(m);
  const C = m.w[m.w.length - 1].shape[1];
  const D = targets.n * C;
  if (beta.length !== n * D) throw new UnlearnError('bad-config', `β holds ${beta.length} values, expected ${n} × ${targets.n} × ${C}`);
  const batches = termsInBatches(targets, s.batchSize, m.w.length, (x) => logitTerms(m, x));
  try {
    for (let k0 = 0; k0 < s.k; k0 += s.blockColumns) {
      const kb = Math.min(s.blockColumns, s.k - k0);
      const blocks = blockTensors(shapes, s, k0, kb);
      const gk = tf.tensor2d(g.subarray(k0 * n, (k0 + kb) * n), [kb, n]);
      try {
        for (const b of batches) {
          const prod = tf.tidy(() => {
            const psi = tf.reshape(projectTerms(b.terms, blocks, kb), [b.size * C, kb]);
            return tf.mul(tf.matMul(gk, psi, true, true), weight); // [n, B·C]
          });
          const v = prod.dataSync() as Float32Array;
          prod.dispose();
          const w = b.size * C;
          const off = b.start * C;
          for (let i = 0; i < n; i++) {
            const row = i * D + off;
            const src = i * w;
            for (let d = 0; d < w; d++) beta[row + d] += v[src + d];
          }
        }
      } finally {
        for (const t of [...blocks, gk]) t.dispose();
      }
    }
  } finally {
    disposeTerms(batches);
  }
}

/** β = mean over the models of τ, [n × targets × C] (unscaled). */
export function trakBeta(models: MlpLayers[], train: PointsOnDevice, targets: PointsOnDevice, s: TrakSettings, onModel?: (done: number) => void): { beta: Float32Array; lambdaAbs: number[] } {
  checkTrakSettings(s);
  if (models.length === 0) throw new UnlearnError('bad-config', 'TRAK needs at least one trained model');
  const C = models[0].w[models[0].w.length - 1].shape[1];
  const beta = new Float32Array(train.n * targets.n * C);
  const lambdaAbs: number[] = [];
  models.forEach((m, t) => {
    const { phi, q } = trainFeatures(m, train, s);
    const w = trakWeights(phi, train.n, s.k, q, s.lambda);
    lambdaAbs.push(w.lambdaAbs);
    addTargetScores(m, targets, w.g, train.n, s, beta, 1 / models.length);
    onModel?.(t + 1);
  });
  return { beta, lambdaAbs };
}
