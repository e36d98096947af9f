// Margins (SPEC §1) and accuracy from logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyFromLogits, allFinite, marginsFromLogits } from '../../src/engine/eval/margin.js';
import { UnlearnError } from '../../src/engine/errors.js';
import { Rng } from '../../src/engine/util/rng.js';

const i32 = (xs: number[]): Int32Array => Int32Array.from(xs);
const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

test('margin = log p_y − log(1 − p_y) on moderate logits', () => {
  const r = new Rng(5);
  const n = 200;
  const C = 10;
  const z = new Float32Array(n * C);
  for (let i = 0; i < z.length; i++) z[i] = r.normal() * 3;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = r.int(C);
  const m = marginsFromLogits(z, n, C, y);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(z[i * C + j]);
    const p = Math.exp(z[i * C + y[i]]) / sum;
    const expected = Math.log(p) - Math.log(1 - p);
    assert.ok(Math.abs(m[i] - expected) < 1e-5 * Math.max(1, Math.abs(expected)), `point ${i}: ${m[i]} vs ${expected}`);
  }
});

test('two classes: the margin is the logit difference', () => {
  const m = marginsFromLogits(f32([2, -1, 0.5, 0.25]), 2, 2, i32([0, 1]));
  assert.equal(m[0], 3);
  assert.equal(m[1], -0.25);
});

test('finite and exact for logits of magnitude 1e4', () => {
  // z = (1e4, −1e4, 5e3): for y = 0 the others' log-sum-exp is 5e3 + log(1 + e^−1.5e4) = 5e3.
  const z = f32([1e4, -1e4, 5e3, 1e4, -1e4, 5e3, -1e4, -1e4, -1e4, 1e4, 1e4, 1e4]);
  const m = marginsFromLogits(z, 4, 3, i32([0, 1, 0, 2]));
  assert.ok(allFinite(m));
  assert.equal(m[0], 5000);
  assert.equal(m[1], -20000);
  // All equal: −log(C − 1).
  assert.equal(m[2], Math.fround(-Math.log(2)));
  assert.equal(m[3], Math.fround(-Math.log(2)));
  // A naive softmax overflows here; the stable form does not.
  const big = marginsFromLogits(f32([3e4, 2e4, -3e4]), 1, 3, i32([1]));
  assert.equal(big[0], -10000);
});

test('non-finite logits give a NaN margin (a diverged model), never a wrong number', () => {
  const m = marginsFromLogits(f32([NaN, 1, 2, Infinity, 0, 1, 1, 2, 3]), 3, 3, i32([0, 2, 1]));
  assert.ok(Number.isNaN(m[0]));
  assert.ok(Number.isNaN(m[1]));
  assert.ok(Number.isFinite(m[2]));
  assert.equal(allFinite(m), false);
});

test('shapes and labels are checked', () => {
  assert.throws(() => marginsFromLogits(f32([1, 2, 3]), 2, 2, i32([0, 1])), /expected n × C = 2 × 2 = 4/);
  assert.throws(() => marginsFromLogits(f32([1, 2]), 1, 2, i32([2])), (e: unknown) => e instanceof UnlearnError && /label 2 of point 0/.test(e.message));
  assert.throws(() => marginsFromLogits(f32([1]), 1, 1, i32([0])), /at least 2 classes/);
  assert.throws(() => marginsFromLogits(f32([1, 2]), 1, 2, i32([0, 1])), /2 labels for 1 points/);
});

test('accuracy: arg-max with the first index on ties, NaN rows wrong', () => {
  const z = f32([0.1, 0.9, 0.5, 0.5, 2, 1, NaN, 1]);
  assert.equal(accuracyFromLogits(z, 4, 2, i32([1, 0, 0, 1])), 0.75);
  assert.equal(accuracyFromLogits(z, 4, 2, i32([0, 1, 1, 1])), 0);
  assert.ok(Number.isNaN(accuracyFromLogits(f32([]), 0, 2, i32([]))));
});
