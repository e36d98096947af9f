// Forget-set generators and the shared PRNG: determinism, class and neighbour sets, and PCA
// extremes recovered from a planted structure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, sortedSample } from '../../src/engine/util/rng.js';
import {
  classForgetSet,
  nearestNeighboursForgetSet,
  principalComponentForgetSet,
  principalComponents,
  randomForgetSet,
} from '../../src/engine/forget/generators.js';
import { forgetSetProblems, makeForgetSet } from '../../src/engine/forget/forget-set.js';
import { UnlearnError } from '../../src/engine/errors.js';
import { draftForgetSet } from '../../src/engine/forget/draft.js';
import { encodeNpy } from '../../src/engine/store/npy.js';
import { syntheticDataset } from '../helpers/synthetic.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('Rng: a fixed stream per seed (frozen: changing it changes every stored forget set)', () => {
  const r = new Rng(42);
  assert.deepEqual([r.nextUint32(), r.nextUint32(), r.nextUint32()], [838601788, 165192523, 977911388]);
  assert.equal(new Rng(42).next(), 0.19525218783663123);
  assert.deepEqual(Array.from(new Rng(1).sampleWithoutReplacement(10, 4)), [2, 5, 3, 4]);
  assert.notEqual(new Rng(2 ** 32 + 1).nextUint32(), new Rng(1).nextUint32());
  assert.notEqual(new Rng(-1).nextUint32(), new Rng(1).nextUint32());
  assert.throws(() => new Rng(0.5), RangeError);
});

test('Rng: ranges, uniformity, sampling and shuffling', () => {
  const r = new Rng(9);
  const counts = new Array<number>(6).fill(0);
  for (let i = 0; i < 60000; i++) {
    const x = r.int(6);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 6);
    counts[x]++;
  }
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `count ${c}`);
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < 20000; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  assert.ok(Math.abs(sum / 20000) < 0.05 && Math.abs(sq / 20000 - 1) < 0.05);
  const s = r.sampleWithoutReplacement(1000, 1000);
  assert.equal(new Set(s).size, 1000);
  const arr = [1, 2, 3, 4, 5, 6, 7, 8];
  r.shuffle(arr);
  assert.deepEqual([...arr].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  const sorted = sortedSample(3, 50, 10);
  assert.deepEqual(Array.from(sorted), Array.from(sorted).sort((a, b) => a - b));
  assert.throws(() => r.sampleWithoutReplacement(5, 6), RangeError);
});

test('random forget set: deterministic per seed, sorted, unique, in range', () => {
  const a = randomForgetSet(5000, 100, 17);
  const b = randomForgetSet(5000, 100, 17);
  assert.deepEqual(a, b);
  assert.notDeepEqual(randomForgetSet(5000, 100, 18).indices, a.indices);
  assert.equal(a.indices.length, 100);
  assert.equal(new Set(a.indices).size, 100);
  for (let i = 1; i < 100; i++) assert.ok(a.indices[i] > a.indices[i - 1]);
  assert.ok(a.indices.every((i) => i >= 0 && i < 5000));
  assert.deepEqual(a.params, { k: 100 });
  assert.equal(a.seed, 17);
  const fs = makeForgetSet({ name: 'r', datasetId: 'd', ...a });
  assert.deepEqual(forgetSetProblems(fs, { datasetId: 'd', nTrain: 5000 }), []);
  assert.throws(() => randomForgetSet(10, 10, 1), (e: unknown) => e instanceof UnlearnError && /exceeds the 9 points/.test(e.message));
  assert.throws(() => randomForgetSet(10, 0, 1), /positive integer/);
});

test('class forget set', () => {
  const labels = Int32Array.from([0, 1, 2, 1, 0, 1]);
  assert.deepEqual(classForgetSet(labels, 1).indices, [1, 3, 5]);
  assert.deepEqual(classForgetSet(labels, 1).params, { class: 1 });
  assert.throws(() => classForgetSet(labels, 7), /no training point has class 7/);
  assert.throws(() => classForgetSet(Int32Array.from([4, 4]), 4), /nothing would be retained/);
});

test('nearest neighbours: the anchor and its closest points, ties to the lower index', () => {
  // 1-D features: 0, 10, 1, 9, 2, 1 → from anchor 0 (value 0): 0, then 2 and 5 (distance 1), then 4.
  const x = Float32Array.from([0, 10, 1, 9, 2, 1]);
  const nn = nearestNeighboursForgetSet(x, 6, 1, 0, 3, { space: 'pixel' });
  assert.deepEqual(nn.indices, [0, 2, 5]);
  assert.deepEqual(nn.params, { k: 3, anchor: 0, space: 'pixel' });
  // 2-D, embedding space, anchor not first.
  const e = Float64Array.from([0, 0, 5, 5, 5, 6, 6, 5, 100, 100]);
  const nn2 = nearestNeighboursForgetSet(e, 5, 2, 1, 3, { space: 'embedding', modelId: 'orig-0' });
  assert.deepEqual(nn2.indices, [1, 2, 3]);
  assert.equal(nn2.params.modelId, 'orig-0');
  // Duplicated features: the anchor is still in.
  assert.deepEqual(nearestNeighboursForgetSet(Float32Array.from([3, 3, 3]), 3, 1, 2, 1, { space: 'pixel' }).indices, [2]);
  assert.throws(() => nearestNeighboursForgetSet(x, 6, 1, 6, 2, { space: 'pixel' }), /anchor 6 is out of range; training indices run from 0 to 5/);
  assert.throws(() => nearestNeighboursForgetSet(x, 5, 2, 0, 2, { space: 'pixel' }), /expected 5 × 2 = 10/);
});

/** n points in d dims: small noise plus two planted groups along u and a weaker one along w. */
function planted(): { x: Float32Array; n: number; d: number; plus: number[]; minus: number[]; second: number[] } {
  const n = 300;
  const d = 24;
  const r = new Rng(123);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = r.normal() * 0.1;
  const u = new Float64Array(d);
  const w = new Float64Array(d);
  for (let t = 0; t < 6; t++) u[t] = t === 0 ? 0.6 : 0.36; // unit-ish, largest entry positive
  for (let t = 12; t < 16; t++) w[t] = 0.5;
  const perm = r.sampleWithoutReplacement(n, 60);
  const plus = Array.from(perm.subarray(0, 20)).sort((a, b) => a - b);
  const minus = Array.from(perm.subarray(20, 40)).sort((a, b) => a - b);
  const second = Array.from(perm.subarray(40, 60)).sort((a, b) => a - b);
  const add = (rows: number[], dir: Float64Array, s: number): void => {
    for (const i of rows) for (let t = 0; t < d; t++) x[i * d + t] += s * dir[t] * (1 + 0.05 * r.normal());
  };
  add(plus, u, 6);
  add(minus, u, -6);
  add(second, w, 3);
  return { x, n, d, plus, minus, second };
}

test('PCA: top-k, bottom-k and both ends recover a planted structure', () => {
  const { x, n, d, plus, minus, second } = planted();
  const top = principalComponentForgetSet(x, n, d, { component: 0, k: 20, side: 'top', space: 'datamodel' });
  assert.deepEqual(top.indices, plus);
  assert.ok(top.component.converged);
  const bottom = principalComponentForgetSet(x, n, d, { component: 0, k: 20, side: 'bottom', space: 'datamodel' });
  assert.deepEqual(bottom.indices, minus);
  const both = principalComponentForgetSet(x, n, d, { component: 0, k: 20, side: 'both', space: 'datamodel', seed: 5 });
  assert.deepEqual(both.indices, [...plus, ...minus].sort((a, b) => a - b));
  assert.deepEqual(both.params, { k: 20, component: 0, side: 'both', space: 'datamodel' });
  assert.equal(both.seed, 5);
  // The second component is the weaker planted direction.
  const pc1 = principalComponentForgetSet(x, n, d, { component: 1, k: 20, side: 'top', space: 'datamodel' });
  assert.deepEqual(pc1.indices, second);
});

test('PCA: components are orthonormal, ordered, sign-fixed and seed-independent', () => {
  const { x, n, d } = planted();
  const a = principalComponents(x, n, d, 3, { seed: 1 });
  const b = principalComponents(x, n, d, 3, { seed: 99 });
  for (let c = 0; c < 3; c++) {
    let norm = 0;
    let arg = 0;
    for (let t = 0; t < d; t++) {
      norm += a[c].loadings[t] ** 2;
      if (Math.abs(a[c].loadings[t]) > Math.abs(a[c].loadings[arg])) arg = t;
      assert.ok(Math.abs(a[c].loadings[t] - b[c].loadings[t]) < 1e-6, `component ${c} loading ${t}`);
    }
    assert.ok(Math.abs(norm - 1) < 1e-12);
    assert.ok(a[c].loadings[arg] > 0);
    for (let c2 = 0; c2 < c; c2++) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += a[c].loadings[t] * a[c2].loadings[t];
      assert.ok(Math.abs(dot) < 1e-9);
    }
    if (c > 0) assert.ok(a[c].variance <= a[c - 1].variance * (1 + 1e-9));
    // Scores are centred projections.
    let mean = 0;
    for (const s of a[c].scores) mean += s;
    assert.ok(Math.abs(mean / n) < 1e-9);
  }
  // Same seed, same bits.
  assert.deepEqual(principalComponents(x, n, d, 2, { seed: 1 })[1].loadings, a[1].loadings);
});

test('PCA on a known 2-D case: the variance is the top eigenvalue of the covariance', () => {
  // Points (±2, 0) and (0, ±1): covariance diag(8/3, 2/3)·… → first axis x, variance 8/3.
  const x = Float64Array.from([2, 0, -2, 0, 0, 1, 0, -1]);
  const [pc0, pc1] = principalComponents(x, 4, 2, 2);
  assert.ok(Math.abs(pc0.loadings[0] - 1) < 1e-9 && Math.abs(pc0.loadings[1]) < 1e-9);
  assert.ok(Math.abs(pc0.variance - 8 / 3) < 1e-9);
  assert.ok(Math.abs(pc1.variance - 2 / 3) < 1e-9);
  assert.deepEqual(Array.from(pc0.scores).map((s) => Math.round(s * 1e9) / 1e9 + 0), [2, -2, 0, 0]);
  assert.throws(() => principalComponents(x, 4, 2, 3), /at most 2/);
});

test('draftForgetSet: a datamodel-shaped [n × P × C] .npy is read as [n × P·C] rows, and a wrong row count is refused', async () => {
  const { x, n, d, plus } = planted();
  const ds = syntheticDataset('pc-draft', n, 10);
  const dir = mkdtempSync(join(tmpdir(), 'pc-draft-'));
  const beta = join(dir, 'beta.npy');
  writeFileSync(beta, encodeNpy({ dtype: 'float32', shape: [n, d / 2, 2], data: x }));
  const draft = await draftForgetSet({ kind: 'principal-component', matrix: beta, component: 0, k: 20, side: 'top', seed: 0 }, ds);
  assert.deepEqual(draft.indices, plus);
  const short = join(dir, 'short.npy');
  writeFileSync(short, encodeNpy({ dtype: 'float32', shape: [n - 1, d], data: x.subarray(0, (n - 1) * d) }));
  await assert.rejects(draftForgetSet({ kind: 'principal-component', matrix: short, component: 0, k: 20, side: 'top', seed: 0 }, ds), /expected an array of 2 or more dimensions with \d+ rows/);
  await assert.rejects(draftForgetSet({ kind: 'nearest-neighbours', anchor: n + 3, k: 5 }, ds), /outside the training set/);
});
