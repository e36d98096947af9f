import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/select';
import { buildModel } from '../../src/engine/models';
import { cholesky, choleskySolve } from '../../src/engine/attribution/linalg';
import { denseGradients, disposeLayers, layerShapes, layersOfModel, logitTerms, marginTerms, type MlpLayers } from '../../src/engine/attribution/trak-gradients';
import { projectionBlock } from '../../src/engine/attribution/trak-projection';
import { DEFAULT_TRAK_SETTINGS, trainFeatures, trakBeta, trakWeights, type TrakSettings } from '../../src/engine/attribution/trak-scores';
import { syntheticData } from '../helpers/synthetic';

const D_IN = 5;
const C = 3;

function tinyMlp(hidden: number[], seed = 7): MlpLayers {
  const model = buildModel(hidden.length ? { kind: 'mlp', hidden } : { kind: 'logreg' }, [D_IN], C);
  const { params } = model.init([seed, seed + 1]);
  const m = layersOfModel(params, 1);
  for (const t of Object.values(params)) t.dispose();
  return m;
}

function points(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor1D; n: number } {
  const d = syntheticData(n, D_IN, C, seed);
  return { x: tf.tensor2d(d.x, [n, D_IN]), y: tf.tensor1d(d.y, 'int32'), n };
}

/** The margin and logits of one example, as functions of the layers' weights (for autograd). */
function outputs(ws: tf.Tensor2D[], bs: tf.Tensor2D[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (let l = 0; l < ws.length; l++) {
    const z = tf.add(tf.matMul(h, ws[l]), bs[l]) as tf.Tensor2D;
    h = l + 1 < ws.length ? tf.relu(z) : z;
  }
  return h;
}

function autogradOf(m: MlpLayers, x: tf.Tensor2D, f: (logits: tf.Tensor2D) => tf.Scalar): Float32Array {
  const vars = [...m.w, ...m.b];
  const L = m.w.length;
  const grads = tf.grads((...args: tf.Tensor[]) => f(outputs(args.slice(0, L) as tf.Tensor2D[], args.slice(L) as tf.Tensor2D[], x)))(vars);
  // Same order as denseGradients: per layer vec(W_l) then b_l.
  const parts: number[] = [];
  for (let l = 0; l < L; l++) parts.push(...grads[l].dataSync(), ...grads[L + l].dataSync());
  for (const g of grads) g.dispose();
  return Float32Array.from(parts);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test('TRAK: closed-form per-example gradients equal autograd of one example (margin and every logit), MLP and logreg', async () => {
  await initBackend();
  for (const hidden of [[4, 6], []]) {
    const m = tinyMlp(hidden);
    const pts = points(6, 3);
    const y = pts.y.dataSync();
    const mt = tf.tidy(() => denseGradients(marginTerms(m, pts.x, pts.y)));
    const lt = tf.tidy(() => denseGradients(logitTerms(m, pts.x)));
    const marg = mt.dataSync();
    const logit = lt.dataSync();
    const P = mt.shape[2];
    let checked = 0;
    for (let b = 0; b < pts.n; b++) {
      const xb = tf.slice(pts.x, [b, 0], [1, -1]) as tf.Tensor2D;
      const yb = y[b];
      const gm = autogradOf(m, xb, (z) => tf.tidy(() => {
        const zy = tf.slice(z, [0, yb], [1, 1]).sum();
        const others = tf.concat([tf.slice(z, [0, 0], [1, yb]), tf.slice(z, [0, yb + 1], [1, C - yb - 1])], 1);
        return tf.sub(zy, tf.logSumExp(others)) as tf.Scalar;
      }));
      assert.equal(gm.length, P);
      assert.ok(maxAbsDiff(gm, marg.subarray(b * P, (b + 1) * P)) < 1e-5, `margin gradient of example ${b} (hidden [${hidden.join(',')}])`);
      for (let c = 0; c < C; c++) {
        const gc = autogradOf(m, xb, (z) => tf.tidy(() => tf.slice(z, [0, c], [1, 1]).sum() as tf.Scalar));
        assert.ok(maxAbsDiff(gc, logit.subarray((b * C + c) * P, (b * C + c + 1) * P)) < 1e-5, `logit ${c} gradient of example ${b}`);
        checked++;
      }
      xb.dispose();
    }
    assert.equal(checked, pts.n * C);
    // The gradients are not trivially zero.
    assert.ok(maxAbsDiff(marg, new Float32Array(marg.length)) > 1e-3);
    for (const t of [mt, lt, pts.x, pts.y]) t.dispose();
    disposeLayers(m);
  }
});

test('TRAK projection: entries depend on (seed, layer, row, column) only — same seed same Φ, any block size', async () => {
  await initBackend();
  const spec = { kind: 'rademacher' as const, seed: 11, k: 100 };
  const whole = projectionBlock(spec, 0, 3, 2, 0, 100);
  const a = projectionBlock(spec, 0, 3, 2, 0, 37);
  const b = projectionBlock(spec, 0, 3, 2, 37, 63);
  for (let r = 0; r < 6; r++) for (let j = 0; j < 100; j++) assert.equal(j < 37 ? a[r * 37 + j] : b[r * 63 + j - 37], whole[r * 100 + j]);
  assert.notDeepEqual(projectionBlock({ ...spec, seed: 12 }, 0, 3, 2, 0, 100), whole);
  assert.notDeepEqual(projectionBlock(spec, 1, 3, 2, 0, 100), whole);
  const g = projectionBlock({ ...spec, kind: 'gaussian' }, 0, 50, 4, 0, 100);
  const mean = g.reduce((s, v) => s + v, 0) / g.length;
  const varc = g.reduce((s, v) => s + v * v, 0) / g.length;
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(varc * 100 - 1) < 0.05, `gaussian entries ~ N(0, 1/k): mean ${mean}, k·var ${varc * 100}`);

  const m = tinyMlp([4]);
  const pts = points(20, 5);
  const s: TrakSettings = { ...DEFAULT_TRAK_SETTINGS, k: 40, projectionSeed: 3, blockColumns: 40, batchSize: 20 };
  const f1 = trainFeatures(m, pts, s);
  const f2 = trainFeatures(m, pts, { ...s, blockColumns: 7, batchSize: 6 });
  const f3 = trainFeatures(m, pts, s);
  assert.deepEqual(f3.phi, f1.phi, 'same seed, same Φ');
  assert.ok(maxAbsDiff(f1.phi, f2.phi) < 1e-5, 'Φ does not depend on the block or batch size');
  assert.ok(maxAbsDiff(f1.phi, trainFeatures(m, pts, { ...s, projectionSeed: 4 }).phi) > 1e-2, 'another seed, another Φ');
  for (const t of [pts.x, pts.y]) t.dispose();
  disposeLayers(m);
});

/** (A + λI)⁻¹ B by dense float64 Cholesky. */
function solve(a: Float64Array, m: number, b: Float64Array, r: number): Float64Array {
  return choleskySolve(cholesky(a, m), m, b, r);
}

test('TRAK τ on a tiny problem equals the dense ψᵀ(ΦᵀΦ + λI)⁻¹φ_i Q_ii, in both kernel branches (k < n and k ≥ n)', async () => {
  await initBackend();
  const m = tinyMlp([4]);
  const n = 12;
  const train = points(n, 8);
  const targets = points(5, 9);
  const shapes = layerShapes(m);
  const nTheta = shapes.reduce((a, s) => a + s.rows * s.out, 0);
  for (const k of [8, 30]) {
    const s: TrakSettings = { ...DEFAULT_TRAK_SETTINGS, k, lambda: 0.05, projectionSeed: 2, blockColumns: 5, batchSize: 4 };
    // The dense projection [|θ| × k], rows in the gradients' order.
    const Pd = new Float64Array(nTheta * k);
    let row = 0;
    shapes.forEach(({ rows, out }, l) => {
      const blk = projectionBlock({ kind: s.projection, seed: s.projectionSeed, k }, l, rows, out, 0, k);
      for (let r = 0; r < rows * out; r++) for (let j = 0; j < k; j++) Pd[(row + r) * k + j] = blk[r * k + j];
      row += rows * out;
    });
    const gTrain = tf.tidy(() => denseGradients(marginTerms(m, train.x, train.y))).dataSync();
    const gTarget = tf.tidy(() => denseGradients(logitTerms(m, targets.x))).dataSync();
    const q = tf.tidy(() => marginTerms(m, train.x, train.y).q).dataSync();
    const project = (g: ArrayLike<number>, rows: number) => {
      const out = new Float64Array(rows * k);
      for (let i = 0; i < rows; i++) for (let p = 0; p < nTheta; p++) {
        const v = g[i * nTheta + p];
        if (v !== 0) for (let j = 0; j < k; j++) out[i * k + j] += v * Pd[p * k + j];
      }
      return out;
    };
    const phi = project(gTrain, n);
    const psi = project(gTarget, targets.n * C);
    let tr = 0;
    for (const v of phi) tr += v * v;
    const A = new Float64Array(k * k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let i = 0; i < n; i++) A[a * k + b] += phi[i * k + a] * phi[i * k + b];
    for (let a = 0; a < k; a++) A[a * k + a] += (s.lambda * tr) / n;
    const rhs = new Float64Array(k * n);
    for (let i = 0; i < n; i++) for (let a = 0; a < k; a++) rhs[a * n + i] = phi[i * k + a] * q[i];
    const G = solve(A, k, rhs, n);
    const expected = new Float64Array(n * targets.n * C);
    for (let i = 0; i < n; i++) for (let d = 0; d < targets.n * C; d++) {
      let v = 0;
      for (let a = 0; a < k; a++) v += psi[d * k + a] * G[a * n + i];
      expected[i * targets.n * C + d] = v;
    }
    const f = trainFeatures(m, train, s);
    assert.ok(maxAbsDiff(f.phi, phi) < 1e-4, `Φ (k = ${k})`);
    const w = trakWeights(f.phi, n, k, f.q, s.lambda);
    assert.ok(maxAbsDiff(w.g, G) < 1e-3 * Math.max(...G.map(Math.abs)), `G (k = ${k})`);
    const { beta } = trakBeta([m, m], train, targets, s);
    const scale = Math.max(...expected.map(Math.abs));
    assert.ok(scale > 1e-3);
    assert.ok(maxAbsDiff(beta, expected) < 2e-3 * scale, `τ (k = ${k}): max diff ${maxAbsDiff(beta, expected)} vs scale ${scale}`);
  }
  for (const t of [train.x, train.y, targets.x, targets.y]) t.dispose();
  disposeLayers(m);
});
