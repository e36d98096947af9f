import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createInPlaceMomentum } from '../../src/engine/backend/native-optimizers';
import { initBackend } from '../../src/engine/backend/select';
import type { Params } from '../../src/engine/models/types';
import { createOptimizer, type Optimizer } from '../../src/engine/train/optimizer';

const shapes: Record<string, number[]> = { w: [3, 50, 40], b: [3, 1, 40] };
const lrs = [0.05, 0.05, 0.02, 0.1, 0.05, 0.01];

const gradsAt = (step: number): Params => Object.fromEntries(Object.entries(shapes).map(([n, s], i) => [n, tf.randomNormal(s, 0, 0.1, 'float32', 1000 + 100 * step + i)]));
const initial = (): Params => Object.fromEntries(Object.entries(shapes).map(([n, s], i) => [n, tf.randomUniform(s, -0.2, 0.2, 'float32', 7 + i)]));

/** PyTorch's SGD written op by op: the values the in-place path must reproduce. */
function reference(momentum: number, weightDecay: number, steps: number): Params {
  let p = initial();
  let buf: Params | undefined;
  for (let s = 0; s < steps; s++) {
    const g = gradsAt(s);
    const next = tf.tidy(() => {
      const outP: Params = {};
      const outB: Params = {};
      for (const n of Object.keys(shapes)) {
        const g2 = weightDecay > 0 ? tf.add(g[n], tf.mul(p[n], weightDecay)) : tf.clone(g[n]);
        outB[n] = buf ? tf.add(tf.mul(buf[n], momentum), g2) : g2;
        outP[n] = tf.sub(p[n], tf.mul(outB[n], lrs[s]));
      }
      return { outP, outB };
    });
    tf.dispose([...Object.values(p), ...Object.values(g), ...Object.values(buf ?? {})]);
    p = next.outP;
    buf = next.outB;
  }
  tf.dispose(Object.values(buf ?? {}));
  return p;
}

/** Equal to float32 rounding: the in-place update adds the same terms in another order (lr·buf rounds to about 1e-8 here). */
async function assertClose(actual: Params, expected: Params, what: string): Promise<void> {
  for (const n of Object.keys(shapes)) {
    const [a, e] = [await actual[n].data(), await expected[n].data()];
    const i = a.findIndex((v, j) => !(Math.abs(v - e[j]) <= 5e-7 * Math.abs(e[j]) + 2e-8));
    assert.equal(i, -1, `${what}: ${n}[${i}] is ${a[i]}, op by op ${e[i]}`);
  }
}

/**
 * Six steps of `opt` from the initial params. Before the fourth, p.w is cloned: a clone shares
 * the update's buffer, so the update must copy, not write through it (asserted at the end).
 */
async function stepKeepingAClone(opt: Optimizer, gradsFor: (step: number) => Params, lrScale: number): Promise<Params> {
  let p = initial();
  let kept: { tensor: tf.Tensor; values: Float32Array } | undefined;
  for (let s = 0; s < lrs.length; s++) {
    if (s === 3) {
      const tensor = tf.clone(p.w);
      kept = { tensor, values: Float32Array.from(await tensor.data()) };
    }
    p = opt.step(p, gradsFor(s), lrs[s] * lrScale);
  }
  assert.ok(kept);
  assert.deepEqual(await kept.tensor.data(), kept.values, 'a clone kept by the caller was changed in place');
  kept.tensor.dispose();
  return p;
}

test('SGD momentum on tfjs-node, updated in place, gives the op-by-op values to float32 rounding, keeps no tensor, and never changes a tensor the caller kept', async (t) => {
  if ((await initBackend()).name !== 'tensorflow') {
    t.skip('runs on the tensorflow backend only');
    return;
  }
  const probe = createInPlaceMomentum(0.9, 5e-4);
  assert.ok(probe, 'tfjs-node offers the in-place update');
  probe.dispose();
  for (const weightDecay of [5e-4, 0]) {
    const before = tf.memory().numTensors;
    const opt = createOptimizer({ optimizer: 'sgd', momentum: 0.9, weightDecay });
    const p = await stepKeepingAClone(opt, gradsAt, 1);
    const expected = reference(0.9, weightDecay, lrs.length);
    await assertClose(p, expected, `weight decay ${weightDecay}`);
    opt.dispose();
    tf.dispose([...Object.values(p), ...Object.values(expected)]);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  }
});

test('in-place SGD continues from params the caller replaced between steps', async (t) => {
  if ((await initBackend()).name !== 'tensorflow') {
    t.skip('runs on the tensorflow backend only');
    return;
  }
  const opt = createOptimizer({ optimizer: 'sgd', momentum: 0.9, weightDecay: 5e-4 });
  let p = opt.step(initial(), gradsAt(0), 0.05);
  // Replace the params with other values (as a method that edits weights between calls would).
  const replaced: Params = Object.fromEntries(Object.entries(p).map(([n, v]) => [n, tf.mul(v, 0.5)]));
  const half: Params = Object.fromEntries(Object.entries(replaced).map(([n, v]) => [n, tf.clone(v)]));
  tf.dispose(Object.values(p));
  p = opt.step(replaced, gradsAt(1), 0.05);
  // Expected: from half the weights, buf = 0.9·g0′ + g1′ where g′ includes weight decay.
  const expected = tf.tidy(() => {
    const out: Params = {};
    const g0 = gradsAt(0);
    const g1 = gradsAt(1);
    const p0 = initial();
    for (const n of Object.keys(shapes)) {
      const b0 = tf.add(g0[n], tf.mul(p0[n], 5e-4));
      const b1 = tf.add(tf.mul(b0, 0.9), tf.add(g1[n], tf.mul(half[n], 5e-4)));
      out[n] = tf.sub(half[n], tf.mul(b1, 0.05));
    }
    return out;
  });
  await assertClose(p, expected, 'after replacing the params');
  opt.dispose();
  tf.dispose([...Object.values(p), ...Object.values(expected), ...Object.values(half)]);
});

/** PyTorch's Adam in float64 over plain arrays: what the in-place update must give to float32 rounding. */
async function adamReference(weightDecay: number, steps: number, gradScale: number): Promise<Record<string, Float64Array>> {
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const p0 = initial();
  const out: Record<string, Float64Array> = {};
  for (const n of Object.keys(shapes)) {
    const p = Float64Array.from(await p0[n].data());
    const m = new Float64Array(p.length);
    const v = new Float64Array(p.length);
    for (let s = 0; s < steps; s++) {
      const gs = gradsAt(s);
      const g = await gs[n].data();
      tf.dispose(Object.values(gs));
      const [c1, c2] = [1 - Math.pow(beta1, s + 1), 1 - Math.pow(beta2, s + 1)];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * gradScale + weightDecay * p[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        p[i] -= ((lrs[s] / 50) * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    }
    out[n] = p;
  }
  tf.dispose(Object.values(p0));
  return out;
}

test('Adam on tfjs-node, updated in place, is PyTorch Adam to float32 rounding (ε placed as PyTorch does), keeps no tensor, and never changes a tensor the caller kept', async (t) => {
  if ((await initBackend()).name !== 'tensorflow') {
    t.skip('runs on the tensorflow backend only');
    return;
  }
  // Gradients near ε (scale 1e-8) are where TensorFlow's own ε placement would differ from PyTorch's.
  for (const [weightDecay, gradScale] of [
    [5e-4, 1],
    [0, 1],
    [0, 1e-8],
  ]) {
    const before = tf.memory().numTensors;
    const opt = createOptimizer({ optimizer: 'adam', momentum: 0, weightDecay });
    const scaledGrads = (step: number): Params => {
      const g = gradsAt(step);
      const scaled = tf.tidy(() => Object.fromEntries(Object.entries(g).map(([n, v]) => [n, tf.mul(v, gradScale)])) as Params);
      tf.dispose(Object.values(g));
      return scaled;
    };
    const p = await stepKeepingAClone(opt, scaledGrads, 1 / 50);
    const expected = await adamReference(weightDecay, lrs.length, gradScale);
    const pathLength = lrs.reduce((a, b) => a + b / 50, 0);
    const p0 = initial();
    for (const n of Object.keys(shapes)) {
      const [a, start] = [await p[n].data(), await p0[n].data()];
      for (let i = 0; i < a.length; i++) {
        // Adam moves a weight by at most about lr per step: float32 rounding of those moves, and of p at every step.
        const tol = 1e-5 * pathLength + 3e-7 * Math.max(Math.abs(expected[n][i]), Math.abs(start[i])) + 1e-12;
        assert.ok(Math.abs(a[i] - expected[n][i]) <= tol, `wd ${weightDecay}, grad scale ${gradScale}: ${n}[${i}] is ${a[i]}, PyTorch's Adam ${expected[n][i]}`);
      }
    }
    opt.dispose();
    tf.dispose([...Object.values(p), ...Object.values(p0)]);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  }
});

test('in-place Adam takes the first step at PyTorch size: −lr·g/(|g| + ε) from zero weights', async (t) => {
  if ((await initBackend()).name !== 'tensorflow') {
    t.skip('runs on the tensorflow backend only');
    return;
  }
  // At lr 0.1 a relative step-size error of 1e-6 shows; float32 rounding near 0.1 is 4 ulps here.
  const opt = createOptimizer({ optimizer: 'adam', momentum: 0, weightDecay: 0 });
  const g = gradsAt(0);
  const gValues = await g.w.data();
  const p = opt.step({ w: tf.zeros(shapes.w), b: tf.zeros(shapes.b) }, g, 0.1);
  const got = await p.w.data();
  got.forEach((v, i) => {
    const expected = (-0.1 * gValues[i]) / (Math.abs(gValues[i]) + 1e-8);
    assert.ok(Math.abs(v - expected) <= 3e-8, `w[${i}] is ${v}, PyTorch's first step ${expected}`);
  });
  opt.dispose();
  tf.dispose(Object.values(p));
});
