import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend/select';
import { LassoProblem, MaskPredictor, predictWithFit, RidgeProblem, DEFAULT_LASSO_GRID } from '../../src/engine/attribution/estimators';
import { DEFAULT_LAMBDA_GRID } from '../../src/engine/attribution/datamodels';
import { Rng } from '../../src/engine/util/rng';

/**
 * A sparse linear problem: output d = 3 + Σ_{j ∈ S_d} w_dj z_j + noise, with 3 true effects per
 * output among n = 60 points, M = 300 fitting models and 100 held-out ones.
 */
function sparseProblem(seed: number) {
  const n = 60;
  const D = 4;
  const M = 300;
  const H = 100;
  const rng = new Rng(seed);
  const masks = (rows: number) => Uint8Array.from({ length: rows * n }, () => (rng.next() < 0.5 ? 1 : 0));
  const truth = new Float64Array(n * D);
  for (let d = 0; d < D; d++) {
    for (const j of rng.sampleWithoutReplacement(n, 3)) truth[j * D + d] = (rng.next() < 0.5 ? -1 : 1) * (1 + rng.next());
  }
  const outputs = (z: Uint8Array, rows: number, noise: number) => {
    const y = new Float32Array(rows * D);
    for (let r = 0; r < rows; r++) {
      for (let d = 0; d < D; d++) {
        let v = 3;
        for (let j = 0; j < n; j++) v += z[r * n + j] * truth[j * D + d];
        y[r * D + d] = v + noise * rng.normal();
      }
    }
    return y;
  };
  const zFit = masks(M);
  const zHeld = masks(H);
  return { n, D, M, H, truth, zFit, yFit: outputs(zFit, M, 0.5), zHeld, yHeldClean: outputs(zHeld, H, 0) };
}

function heldOutError(pred: Float32Array, clean: Float32Array): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i] - clean[i]) ** 2;
  return s / pred.length;
}

test('lasso recovers the support of a sparse problem and predicts held-out models at least as well as ridge', async () => {
  await initBackend();
  const p = sparseProblem(11);
  const lasso = new LassoProblem(p.zFit, p.M, p.n, p.yFit, p.D);
  try {
    const fit = lasso.fit(1);
    let missed = 0;
    let wrongSign = 0;
    let falsePositives = 0;
    for (let i = 0; i < p.n * p.D; i++) {
      if (p.truth[i] !== 0 && fit.beta[i] === 0) missed++;
      if (p.truth[i] !== 0 && fit.beta[i] * p.truth[i] < 0) wrongSign++;
      if (p.truth[i] === 0 && fit.beta[i] !== 0) falsePositives++;
    }
    assert.equal(missed, 0, 'every true effect is selected');
    assert.equal(wrongSign, 0);
    assert.ok(falsePositives <= 2, `${falsePositives} of ${p.n * p.D - 12} null effects selected`);
    const lassoErr = Math.min(...DEFAULT_LASSO_GRID.map((r) => heldOutError(predictWithFit(lasso.fit(r), p.zHeld, p.H), p.yHeldClean)));
    const ridge = new RidgeProblem(p.zFit, p.M, p.n, p.yFit, p.D);
    const ridgeErr = Math.min(...DEFAULT_LAMBDA_GRID.map((l) => heldOutError(ridge.predict(l, p.zHeld, p.H), p.yHeldClean)));
    assert.ok(lassoErr <= ridgeErr, `held-out error: lasso ${lassoErr} vs ridge ${ridgeErr}`);
  } finally {
    lasso.dispose();
  }
});

test('lasso solution satisfies the KKT conditions', async () => {
  await initBackend();
  const p = sparseProblem(12);
  const lasso = new LassoProblem(p.zFit, p.M, p.n, p.yFit, p.D, { tol: 1e-7, maxIter: 5000 });
  try {
    const rho = 0.5;
    const fit = lasso.fit(rho);
    // Gradient of the smooth part, in float64: g = Xcᵀ (Xc b − yc) / M.
    const { n, D, M } = p;
    let active = 0;
    for (let d = 0; d < D; d++) {
      const lam = rho * lasso.lambda0[d];
      const resid = new Float64Array(M);
      for (let r = 0; r < M; r++) {
        let v = -(p.yFit[r * D + d] - fit.intercept[d]);
        for (let j = 0; j < n; j++) v += (p.zFit[r * n + j] - fit.maskMean[j]) * fit.beta[j * D + d];
        resid[r] = v;
      }
      for (let j = 0; j < n; j++) {
        let g = 0;
        for (let r = 0; r < M; r++) g += (p.zFit[r * n + j] - fit.maskMean[j]) * resid[r];
        g /= M;
        const b = fit.beta[j * D + d];
        if (b === 0) assert.ok(Math.abs(g) <= lam * (1 + 1e-3), `inactive ${j},${d}: |g| ${Math.abs(g)} > λ ${lam}`);
        else {
          active++;
          assert.ok(Math.abs(g + lam * Math.sign(b)) <= 1e-3 * lam, `active ${j},${d}: g ${g} ≠ −λ sign(b) (λ ${lam})`);
        }
      }
    }
    assert.ok(active >= 12, 'the true effects at least are active');
  } finally {
    lasso.dispose();
  }
});

test('lasso path predictions equal fits at each λ; larger λ gives sparser β', async () => {
  await initBackend();
  const p = sparseProblem(13);
  const lasso = new LassoProblem(p.zFit, p.M, p.n, p.yFit, p.D, { tol: 1e-7, maxIter: 5000 });
  try {
    const predictor = new MaskPredictor(p.zHeld, p.H, p.n, lasso.maskMean);
    const cols = [0, 1, 2, 3];
    const path = lasso.predictPath([0.25, 2, 1], cols, predictor);
    predictor.dispose();
    const nonzeros: number[] = [];
    for (const [k, rho] of [0.25, 2, 1].entries()) {
      const fit = lasso.fit(rho);
      nonzeros.push(fit.beta.filter((v) => v !== 0).length);
      const direct = predictWithFit(fit, p.zHeld, p.H);
      for (let i = 0; i < direct.length; i++) assert.ok(Math.abs(direct[i] - path[k][i]) < 1e-3, `ρ ${rho}: path ${path[k][i]} vs fit ${direct[i]}`);
    }
    assert.ok(nonzeros[1] <= nonzeros[2] && nonzeros[2] <= nonzeros[0], `non-zeros at ρ 0.25, 2, 1: ${nonzeros.join(', ')}`);
  } finally {
    lasso.dispose();
  }
});
