// Hand-computed KLoM cases (SPEC §2). Each comment derives the expected value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { klom, scoreKlom, replaceDivergedRows, nonFiniteRows } from '../../src/engine/eval/klom.js';
import { UnlearnError } from '../../src/engine/errors.js';
import { Rng } from '../../src/engine/util/rng.js';

const LN_1E5 = Math.log(1e5);
const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);
/** One point: columns given as the per-model values. */
const one = (u: number[], o: number[], opts = {}): number => klom(f32(u), f32(o), 1, opts)[0];
const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('identical samples give 0', () => {
  assert.equal(one([0.5, -1, 2, 3.25, 7], [0.5, -1, 2, 3.25, 7]), 0);
  const r = new Rng(1);
  const n = 300;
  const u = new Float32Array(50 * n);
  for (let i = 0; i < u.length; i++) u[i] = r.normal() * 10;
  for (const v of klom(u, u.slice(), n)) assert.equal(v, 0);
  for (const v of klom(u, u.slice(), n, { binning: 'closed', direction: 'oracle-unlearned' })) assert.equal(v, 0);
});

test('all values equal: lo == hi widens the range to [lo, lo + 1], everything in bin 1, KLoM 0', () => {
  assert.equal(one([3, 3, 3], [3, 3, 3, 3]), 0);
  assert.equal(one([3, 3, 3], [3, 3, 3, 3], { binning: 'closed' }), 0);
});

test('a worked example, both binnings and both directions', () => {
  // u = 0,1,2,3,4; o = 0,0,1,2,4; edges 0, 0.2, …, 4.
  // reference: the pooled max 4 is dropped from both. p(u) = ¼ in bins 1,6,11,16;
  // q(o) = ½, ¼, ¼ in bins 1, 6, 11 (bin 16 empty → floored at 1e-5).
  const u = [0, 1, 2, 3, 4];
  const o = [0, 0, 1, 2, 4];
  close(one(u, o), 0.25 * Math.log(0.25 / 0.5) + 0.25 * Math.log(0.25 / 1e-5)); // = ¼ ln 12500
  close(one(u, o, { direction: 'oracle-unlearned' }), 0.5 * Math.log(2));
  // closed: 4 counts in bin 20; p(u) = ⅕ in bins 1,6,11,16,20; q(o) = ⅖, ⅕, ⅕, 0, ⅕.
  close(one(u, o, { binning: 'closed' }), 0.2 * Math.log(0.5) + 0.2 * Math.log(0.2 / 1e-5));
  close(one(u, o, { binning: 'closed', direction: 'oracle-unlearned' }), 0.4 * Math.log(2));
});

test('the pooled-max quirk: values equal to the pooled maximum are not counted (reference binning)', () => {
  // u = 0, 10; o = 0, 0. Reference keeps only u's 0: p = q = [1, 0, …] → 0.
  assert.equal(one([0, 10], [0, 0]), 0);
  // closed counts the 10 in bin 20, where q is empty: ½ ln(½) + ½ ln(½ / 1e-5).
  close(one([0, 10], [0, 0], { binning: 'closed' }), 0.5 * Math.log(0.5) + 0.5 * Math.log(0.5 / 1e-5));
  // All unlearned values at the pooled max: p has no kept mass, KLoM 0 however far apart.
  assert.equal(one([5, 5, 5], [3, 3, 3]), 0);
  // The other way round the oracle side is empty: q floored at 1e-5 everywhere → ln 1e5.
  close(one([3, 3, 3], [5, 5, 5]), LN_1E5);
  close(one([5, 5, 5], [3, 3, 3], { direction: 'oracle-unlearned' }), LN_1E5);
});

test('disjoint samples are bounded by ln(1e5)', () => {
  // u = 0, 0 in bin 1; o = 5, 5 in bin 11 (10 is the pooled max, dropped): q(bin 1) = 0 → eps.
  close(one([0, 0], [5, 5, 10]), LN_1E5);
  const r = new Rng(7);
  const n = 200;
  const u = new Float32Array(30 * n);
  const o = new Float32Array(30 * n);
  for (let i = 0; i < u.length; i++) {
    u[i] = -50 + r.normal();
    o[i] = 50 + r.normal();
  }
  for (const binning of ['reference', 'closed'] as const) {
    for (const direction of ['unlearned-oracle', 'oracle-unlearned'] as const) {
      for (const v of klom(u, o, n, { binning, direction })) {
        // Disjoint supports: KLoM = ln(1/eps) − H(p), and H(p) ≤ ln 20 over 20 bins.
        assert.ok(v <= LN_1E5 + 1e-12 && v >= LN_1E5 - Math.log(20), `${binning} ${direction}: ${v}`);
      }
    }
  }
  // eps sets the bound: ln(1 / eps).
  close(one([0, 0], [5, 5, 10], { eps: 1e-3 }), Math.log(1e3));
});

test('values beyond ±100 are clipped before binning', () => {
  assert.equal(one([150, 1e4], [100, 100]), 0);
  assert.equal(one([-1e4, -500], [-100, -100.5]), 0);
  // 250 → 100 and 99.5 stays: lo 99.5, hi 100; u at the max is dropped, so p is empty → 0.
  assert.equal(one([250, 250], [99.5, 99.5]), 0);
  close(one([99.5, 99.5], [250, 250]), LN_1E5);
  // A smaller clip changes which values coincide.
  assert.equal(one([20, 30], [25, 25], { clip: 10 }), 0);
});

test('NaN and ±Infinity are refused with the point and the model row named', () => {
  const n = 3;
  for (const bad of [NaN, Infinity, -Infinity]) {
    const u = f32([0, 1, 2, 3, 4, bad]); // row 1, point 2
    const o = f32([0, 1, 2, 3, 4, 5]);
    assert.throws(
      () => klom(u, o, n),
      (e: unknown) => e instanceof UnlearnError && e.code === 'diverged' && /unlearned model row 1 at point 2 is (NaN|Infinity|-Infinity)/.test(e.message),
    );
    assert.throws(() => klom(o, u, n), (e: unknown) => e instanceof UnlearnError && /oracle model row 1 at point 2/.test(e.message));
  }
});

test('diverged rows enter as −100 and are reported', () => {
  const n = 4;
  const r = new Rng(3);
  const u = new Float32Array(6 * n);
  const o = new Float32Array(6 * n);
  for (let i = 0; i < u.length; i++) {
    u[i] = r.normal() * 5;
    o[i] = r.normal() * 5;
  }
  u.fill(NaN, 2 * n, 3 * n);
  const flagged = [false, false, true, false, false, false];
  assert.deepEqual(nonFiniteRows(u, n), flagged);
  const res = scoreKlom(u, o, n, { divergedUnlearned: flagged });
  assert.deepEqual(res.divergedUnlearned, [2]);
  assert.deepEqual(res.divergedOracle, []);
  assert.equal(res.nUnlearned, 6);
  const replaced = replaceDivergedRows(u, n, flagged);
  assert.notEqual(replaced, u);
  assert.ok(replaced.subarray(2 * n, 3 * n).every((v) => v === -100));
  assert.deepEqual(Array.from(res.values), Array.from(klom(replaced, o, n)));
  // Nothing flagged: the same array comes back, no copy.
  assert.equal(replaceDivergedRows(o, n, new Array<boolean>(6).fill(false)), o);
  // A diverged unlearner is scored as badly as it behaves.
  const allBad = scoreKlom(u, o, n, { divergedUnlearned: new Array<boolean>(6).fill(true) });
  for (const v of allBad.values) assert.ok(v > 5);
});

test('blocks of points give the same values as points scored one by one', () => {
  const r = new Rng(11);
  const n = 2600; // spans three blocks
  const mU = 9;
  const mO = 12;
  const u = new Float32Array(mU * n);
  const o = new Float32Array(mO * n);
  for (let i = 0; i < u.length; i++) u[i] = r.normal() * 3;
  for (let i = 0; i < o.length; i++) o[i] = r.normal() * 3 + 1;
  const all = klom(u, o, n, { binning: 'closed' });
  for (const j of [0, 1, 1023, 1024, 1025, 2047, 2048, 2599]) {
    const cu = new Float32Array(mU);
    const co = new Float32Array(mO);
    for (let m = 0; m < mU; m++) cu[m] = u[m * n + j];
    for (let m = 0; m < mO; m++) co[m] = o[m * n + j];
    assert.equal(all[j], klom(cu, co, 1, { binning: 'closed' })[0], `point ${j}`);
  }
});

test('shapes and options are checked', () => {
  assert.throws(() => klom(f32([1, 2, 3]), f32([1, 2]), 2), /not a whole number of rows/);
  assert.throws(() => klom(f32([]), f32([1, 2]), 2), /no unlearned models/);
  assert.throws(() => klom(f32([1, 2]), f32([1, 2]), 1, { bins: 0 }), /bins must be/);
  assert.throws(() => klom(f32([1, 2]), f32([1, 2]), 1, { eps: 0 }), /eps must be/);
  assert.throws(() => scoreKlom(f32([1, 2]), f32([1, 2]), 1, { divergedOracle: [true] }), /1 diverged flags for 2 oracle models/);
  assert.equal(klom(f32([]), f32([]), 0).length, 0);
});

test('other bin counts follow the same rule', () => {
  // 2 bins over [0, 4]: edges 0, 2, 4. u = 0, 1, 3 → bins 1, 1, 2; o = 0, 3, 4 → 1, 2, (dropped).
  close(one([0, 1, 3], [0, 3, 4], { bins: 2 }), (2 / 3) * Math.log((2 / 3) / 0.5) + (1 / 3) * Math.log((1 / 3) / 0.5));
});
