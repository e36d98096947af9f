import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend/select';
import { diffMeansFit, predictWithFit, ridgeFit, RidgeProblem, sumRows } from '../../src/engine/attribution/estimators';
import { cholesky, choleskySolve } from '../../src/engine/attribution/linalg';
import { linearDatamodelScore, ranks, spearman } from '../../src/engine/attribution/lds';
import { Rng } from '../../src/engine/util/rng';

function randomMasks(M: number, n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const m = new Uint8Array(M * n);
  for (let i = 0; i < M * n; i++) m[i] = rng.next() < 0.5 ? 1 : 0;
  return m;
}

/** Direct primal solve (Xcᵀ Xc + λI) β = Xcᵀ Yc by Gaussian elimination, float64. */
function directRidge(masks: Uint8Array, M: number, n: number, y: Float32Array, D: number, lambda: number): Float64Array {
  const xm = new Float64Array(n);
  const ym = new Float64Array(D);
  for (let r = 0; r < M; r++) {
    for (let i = 0; i < n; i++) xm[i] += masks[r * n + i] / M;
    for (let d = 0; d < D; d++) ym[d] += y[r * D + d] / M;
  }
  const A = new Float64Array(n * n);
  const B = new Float64Array(n * D);
  for (let r = 0; r < M; r++)
    for (let i = 0; i < n; i++) {
      const xi = masks[r * n + i] - xm[i];
      for (let j = 0; j < n; j++) A[i * n + j] += xi * (masks[r * n + j] - xm[j]);
      for (let d = 0; d < D; d++) B[i * D + d] += xi * (y[r * D + d] - ym[d]);
    }
  for (let i = 0; i < n; i++) A[i * n + i] += lambda;
  return choleskySolve(cholesky(A, n), n, B, D);
}

test('ridge through the M×M kernel equals a direct primal solve', async () => {
  await initBackend();
  const M = 12;
  const n = 20; // M < n: the kernel form is the cheap one
  const D = 4;
  const masks = randomMasks(M, n, 1);
  const rng = new Rng(2);
  const y = Float32Array.from({ length: M * D }, () => rng.normal());
  const problem = new RidgeProblem(masks, M, n, y, D);
  const lambdaRel = 0.5;
  const fit = problem.fit(lambdaRel);
  const direct = directRidge(masks, M, n, y, D, lambdaRel * problem.scale);
  for (let i = 0; i < n * D; i++) assert.ok(Math.abs(fit.beta[i] - direct[i]) < 1e-4, `β[${i}] ${fit.beta[i]} vs ${direct[i]}`);
  // Held-out prediction without β equals prediction with it.
  const held = randomMasks(3, n, 9);
  const a = problem.predict(lambdaRel, held, 3);
  const b = predictWithFit(fit, held, 3);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4);
  assert.deepEqual(ridgeFit(masks, M, n, y, D, lambdaRel).beta, fit.beta);
});

test('diff-means recovers a planted effect', async () => {
  await initBackend();
  const M = 400;
  const n = 10;
  const D = 2;
  const masks = randomMasks(M, n, 3);
  const rng = new Rng(4);
  const y = new Float32Array(M * D);
  // Output 0: +2 when point 3 is included, −1 when point 7 is; output 1: pure noise.
  for (let r = 0; r < M; r++) {
    y[r * D] = 5 + 2 * masks[r * n + 3] - masks[r * n + 7] + 0.1 * rng.normal();
    y[r * D + 1] = 0.1 * rng.normal();
  }
  const fit = diffMeansFit(masks, M, n, y, D);
  assert.ok(Math.abs(fit.beta[3 * D] - 2) < 0.2, `β3 = ${fit.beta[3 * D]}`);
  assert.ok(Math.abs(fit.beta[7 * D] + 1) < 0.2, `β7 = ${fit.beta[7 * D]}`);
  for (const i of [0, 1, 2, 4, 5, 6, 8, 9]) assert.ok(Math.abs(fit.beta[i * D]) < 0.25, `β${i} = ${fit.beta[i * D]}`);
  const s = sumRows(fit.beta, D, [3, 7]);
  assert.ok(Math.abs(s[0] - 1) < 0.3);
});

test('LDS of a perfect predictor is 1, of a reversed one −1; the slope measures scale', () => {
  const h = 8;
  const P = 5;
  const rng = new Rng(5);
  const actual = Float64Array.from({ length: h * P }, () => rng.normal());
  const perfect = linearDatamodelScore(actual, actual, h, P);
  assert.ok(Math.abs(perfect.mean - 1) < 1e-12);
  assert.ok(Math.abs(perfect.slope - 1) < 1e-12);
  const half = linearDatamodelScore(actual.map((v) => 2 * v + 3), actual, h, P);
  assert.ok(Math.abs(half.mean - 1) < 1e-12, 'scale-free');
  assert.ok(Math.abs(half.slope - 0.5) < 1e-12, 'predicted twice too large: slope 1/2');
  assert.ok(Math.abs(linearDatamodelScore(actual.map((v) => -v), actual, h, P).mean + 1) < 1e-12);
});

test('Spearman ranks ties as their average', () => {
  assert.deepEqual(Array.from(ranks([10, 20, 20, 5])), [1, 2.5, 2.5, 0]);
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [10, 20, 30, 1000]) - 1) < 1e-12);
});
