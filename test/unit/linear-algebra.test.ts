// The linear study's numerics: factorisations, closed forms and the datamodel route, each checked
// against a solve written here independently (Gaussian elimination on the d × d normal equations).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDiagonal, cholSolve, cholesky, gramRows, largestEigenvalue, matTVec, matVec, zeros } from '../../src/engine/linear/dense';
import { makeLinearData } from '../../src/engine/linear/data';
import { solveClosedForm } from '../../src/engine/linear/closed-form';
import { createRng } from '../../src/engine/linear/rng';
import { parseLinearSettings } from '../../src/engine/linear/settings';
import type { LinearData } from '../../src/engine/linear/data';

/** Gaussian elimination with partial pivoting on a dense copy: deliberately unlike Cholesky. */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r;
    [m[col], m[piv]] = [m[piv], m[col]];
    for (let r = col + 1; r < n; r++) {
      const f = m[r][col] / m[col][col];
      if (f === 0) continue;
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let c = r + 1; c < n; c++) s -= m[r][c] * x[c];
    x[r] = s / m[r][r];
  }
  return x;
}

/** Ridge on the rows `rows` through the d × d normal equations (XᵀX + λI)θ = Xᵀy. */
function ridgeByElimination(data: LinearData, rows: number[], lambda: number): number[] {
  const d = data.x.cols;
  const a = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const b = new Array<number>(d).fill(0);
  for (const i of rows) {
    const xi = data.x.data.subarray(i * d, (i + 1) * d);
    for (let p = 0; p < d; p++) {
      b[p] += xi[p] * data.y[i];
      for (let q = 0; q < d; q++) a[p][q] += xi[p] * xi[q];
    }
  }
  for (let p = 0; p < d; p++) a[p][p] += lambda;
  return gaussSolve(a, b);
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

test('rng: the same seed and stream repeat, streams differ, gaussians have unit variance', () => {
  const a = createRng(7, 1);
  const b = createRng(7, 1);
  const c = createRng(7, 2);
  const xs = Array.from({ length: 5 }, () => a.uniform());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.uniform()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.uniform()));
  const g = createRng(3, 0);
  let s = 0;
  let s2 = 0;
  const m = 200_000;
  for (let i = 0; i < m; i++) {
    const v = g.gaussian();
    s += v;
    s2 += v * v;
  }
  assert.ok(Math.abs(s / m) < 0.01, `mean ${s / m}`);
  assert.ok(Math.abs(s2 / m - 1) < 0.01, `variance ${s2 / m}`);
});

test('cholesky solves an SPD system and refuses an indefinite one', () => {
  const rng = createRng(1, 0);
  const x = zeros(30, 12);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.gaussian();
  const g = addDiagonal(gramRows(x), 0.5);
  const l = cholesky(g);
  assert.ok(l);
  const b = Float64Array.from({ length: 30 }, () => rng.gaussian());
  const sol = cholSolve(l, b);
  assert.ok(relErr(matVec(g, sol), b) < 1e-12);
  const bad = zeros(2, 2);
  bad.data.set([1, 2, 2, 1]);
  assert.equal(cholesky(bad), null);
});

test('power iteration finds the largest eigenvalue', () => {
  const m = zeros(4, 4);
  [5, 2, 9, 1].forEach((v, i) => (m.data[i * 5] = v));
  const lmax = largestEigenvalue(m, Float64Array.from([1, 1, 1, 1]));
  assert.ok(Math.abs(lmax - 9) < 1e-9, String(lmax));
});

test('closed form (dual, n < d) matches elimination on the d × d normal equations', () => {
  const s = parseLinearSettings({});
  const data = makeLinearData(s);
  const cf = solveClosedForm(data, s);
  assert.equal(cf.basis.kind, 'dual');
  const all = Array.from({ length: s.n }, (_, i) => i);
  assert.ok(relErr(cf.theta, ridgeByElimination(data, all, s.lambda)) < 1e-8);
  const thetaR = ridgeByElimination(data, data.retain, s.lambda);
  const err = relErr(cf.thetaR, thetaR);
  assert.ok(err < 1e-8, `θ_r relative error ${err}`);
  // The gap θ − θ_r itself must be right, not just θ_r to within the size of the gap.
  const gap = Array.from(cf.theta, (v, j) => v - thetaR[j]);
  assert.ok(relErr(Array.from(cf.theta, (v, j) => v - cf.thetaR[j]), gap) < 1e-6);
});

test('closed form (primal, n > d) matches elimination, and the dual route agrees', () => {
  const s = parseLinearSettings({ n: 120, d: 30, k: 7, seed: 4 });
  const data = makeLinearData(s);
  const cf = solveClosedForm(data, s);
  assert.equal(cf.basis.kind, 'primal');
  const thetaR = ridgeByElimination(data, data.retain, s.lambda);
  assert.ok(relErr(cf.thetaR, thetaR) < 1e-10);
  const dual = solveClosedForm(data, { ...s, solver: 'dual' });
  assert.ok(relErr(dual.thetaR, thetaR) < 1e-8);
  assert.ok(relErr(dual.theta, cf.theta) < 1e-8);
});

test('the dual coordinates represent θ: θ = Xᵀc', () => {
  const s = parseLinearSettings({ n: 40, d: 90, k: 3, seed: 2 });
  const data = makeLinearData(s);
  const cf = solveClosedForm(data, s);
  assert.ok(relErr(matTVec(data.x, cf.state0), cf.theta) < 1e-14);
  assert.ok(relErr(matTVec(data.x, cf.stateR), cf.thetaR) < 1e-14);
});

for (const solver of ['dual', 'primal'] as const) {
  test(`datamodel route (${solver}): exact group effect gives θ_r; with k = 1 the additive one does too`, () => {
    const base = { n: 50, d: 120, seed: 5, solver };
    const s = parseLinearSettings({ ...base, k: 4, datamodel: 'exact' });
    const cf = solveClosedForm(makeLinearData(s), s);
    assert.ok(cf.thetaDm);
    const gap = Array.from(cf.theta, (v, j) => v - cf.thetaR[j]);
    const gapErr = Math.sqrt(cf.thetaDm.reduce((a, v, j) => a + (v - cf.thetaR[j]) ** 2, 0)) / Math.hypot(...gap);
    assert.ok(gapErr < 1e-5, `exact datamodel misses θ_r by ${gapErr} of ‖θ − θ_r‖`);

    const s1 = parseLinearSettings({ ...base, k: 1, datamodel: 'additive' });
    const d1 = makeLinearData(s1);
    const cf1 = solveClosedForm(d1, s1);
    assert.ok(cf1.thetaDm);
    const thetaR = ridgeByElimination(d1, d1.retain, s1.lambda);
    const gap1 = Math.hypot(...Array.from(cf1.theta, (v, j) => v - thetaR[j]));
    const miss = Math.hypot(...Array.from(cf1.thetaDm, (v, j) => v - thetaR[j]));
    assert.ok(miss / gap1 < 1e-5, `leave-one-out effect misses by ${miss / gap1}`);
  });
}
