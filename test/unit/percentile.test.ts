// Percentiles, means and split summaries against NumPy (test/fixtures/percentile/reference.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentile, percentiles } from '../../src/engine/eval/percentile.js';
import { numpyMean, numpySum } from '../../src/engine/eval/numpy-sum.js';
import { retainIndices, splitSummary, summarizeKlom } from '../../src/engine/eval/summary.js';
import { UnlearnError } from '../../src/engine/errors.js';

interface Case { name: string; values: number[]; percentiles: number[]; mean: number }
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/percentile/reference.json'), 'utf8')) as { numpy: string; qs: number[]; cases: Case[] };

for (const c of fixture.cases) {
  test(`percentiles and mean equal NumPy ${fixture.numpy}: ${c.name}`, () => {
    const got = percentiles(c.values, fixture.qs);
    fixture.qs.forEach((q, i) => {
      // Same arithmetic in the same order: identical, not merely close.
      assert.equal(got[i], c.percentiles[i], `q = ${q}`);
      assert.equal(percentile(c.values, q), c.percentiles[i]);
    });
    assert.equal(numpyMean(Float64Array.from(c.values)), c.mean);
  });
}

test('percentile edge cases', () => {
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.ok(Number.isNaN(percentile([1, NaN, 2], 50)));
  assert.equal(percentile([1, 2, 3, 4], 0), 1);
  assert.equal(percentile([1, 2, 3, 4], 100), 4);
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.throws(() => percentile([1], 101), UnlearnError);
  assert.throws(() => percentile([1], -1), UnlearnError);
});

test('pairwise sum follows NumPy on long arrays (differs from a naive loop)', () => {
  const a = new Float64Array(1000);
  for (let i = 0; i < a.length; i++) a[i] = 1 / (i + 1) + (i % 7) * 1e-17;
  let naive = 0;
  for (const v of a) naive += v;
  assert.ok(Math.abs(numpySum(a) - naive) < 1e-12);
});

test('split summary of a hand-made set', () => {
  const s = splitSummary([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(s.n, 11);
  assert.equal(s.mean, 5);
  assert.equal(s.p95, 9.5);
  assert.ok(Math.abs(s.p99 - 9.9) < 1e-12);
  const empty = splitSummary([]);
  assert.equal(empty.n, 0);
  assert.ok(Number.isNaN(empty.p99) && Number.isNaN(empty.mean));
});

test('summary splits train / validation and averages the three p99s', () => {
  // 10 train points (forget = 2, 5), 4 validation points.
  const klom = [0, 1, 9, 1, 1, 7, 1, 1, 1, 1, 0.5, 0.5, 0.5, 2.5];
  const s = summarizeKlom({ klom, nTrain: 10, forget: [2, 5] });
  assert.deepEqual(s.forget, splitSummary([9, 7]));
  assert.deepEqual(s.retain, splitSummary([0, 1, 1, 1, 1, 1, 1, 1]));
  assert.deepEqual(s.validation, splitSummary([0.5, 0.5, 0.5, 2.5]));
  assert.equal(s.retainSampled, false);
  assert.equal(s.retainTotal, 8);
  assert.equal(s.headline.p99, (s.forget.p99 + s.retain.p99 + s.validation.p99) / 3);
  assert.equal(s.headline.p95, (s.forget.p95 + s.retain.p95 + s.validation.p95) / 3);
});

test('retain is sampled to the limit with a fixed seed', () => {
  const nTrain = 25000;
  const forget = [3, 17, 24999];
  const a = retainIndices(nTrain, forget);
  const b = retainIndices(nTrain, forget);
  assert.equal(a.length, 10000);
  assert.deepEqual(a, b);
  for (let i = 1; i < a.length; i++) assert.ok(a[i] > a[i - 1]);
  assert.ok(!a.includes(3) && !a.includes(17) && !a.includes(24999));
  assert.notDeepEqual(retainIndices(nTrain, forget, 10000, 1), a);
  // Exactly at the limit: all of R.
  assert.equal(retainIndices(10002, [0, 1]).length, 10000);
  const klom = new Float64Array(nTrain + 10).fill(1);
  const s = summarizeKlom({ klom, nTrain, forget });
  assert.equal(s.retain.n, 10000);
  assert.equal(s.retainSampled, true);
  assert.equal(s.retainTotal, nTrain - 3);
});

test('summary refuses forget indices outside the training set or repeated', () => {
  assert.throws(() => summarizeKlom({ klom: [1, 2, 3], nTrain: 2, forget: [2] }), /forget index 2 is outside the training set \[0, 1\]/);
  assert.throws(() => summarizeKlom({ klom: [1, 2, 3], nTrain: 2, forget: [1, 1] }), /appears twice/);
});
