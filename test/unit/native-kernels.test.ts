import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/select';
import { gatherRows } from '../../src/engine/backend/training-ops';

// TensorFlow flushes float32 subnormals to zero (its stock Step too), so the smallest values here are normal.
const special = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-37, -1e-37, 2.5, -3, 1e30, -1e30];

test('tfjs-node Step: 1 where x > 0, 0 elsewhere, NaN kept; the ReLU gradient is dy where x > 0; alpha ≠ 0 still works', async (t) => {
  if ((await initBackend()).name !== 'tensorflow') {
    t.skip('runs on the tensorflow backend only');
    return;
  }
  const values = Float32Array.from([...special, ...Array.from({ length: 4000 }, (_, i) => Math.sin(i * 1.7) * (i % 7))]);
  const x = tf.tensor1d(values);
  const step = await tf.step(x).data();
  values.forEach((v, i) => assert.ok(Object.is(step[i], Number.isNaN(v) ? Number.NaN : v > 0 ? 1 : 0), `step(${v}) = ${step[i]}`));

  const dy = tf.tensor1d(Float32Array.from(values, (_, i) => (i % 3) - 1.25));
  const dyv = await dy.data();
  const [dx] = tf.grads((a: tf.Tensor) => tf.relu(a))([x], dy);
  const g = await dx.data();
  values.forEach((v, i) => assert.ok(Object.is(g[i], Number.isNaN(v) ? Number.NaN : dyv[i] * (v > 0 ? 1 : 0)), `dReLU at ${v}: ${g[i]}`));

  const leaky = await tf.step(x, 0.5).data();
  values.forEach((v, i) => assert.ok(Object.is(leaky[i], Number.isNaN(v) ? Number.NaN : v > 0 ? 1 : 0.5), `step(${v}, 0.5) = ${leaky[i]}`));
  tf.dispose([x, dy, dx]);
});

test('gatherRows gives tf.gather\'s rows (float and int32) and refuses an index outside the tensor', async () => {
  await initBackend();
  const x = tf.tensor3d(Float32Array.from({ length: 5 * 2 * 3 }, (_, i) => i * 0.5 - 3), [5, 2, 3]);
  const y = tf.tensor1d([4, 3, 2, 1, 0], 'int32');
  const idx = tf.tensor1d([4, 0, 0, 2], 'int32');
  assert.deepEqual(await gatherRows(x, idx).array(), await tf.gather(x, idx).array());
  assert.deepEqual(await gatherRows(y, idx).data(), Int32Array.from([0, 4, 4, 2]));
  const bad = tf.tensor1d([1, 5], 'int32');
  assert.throws(() => gatherRows(x, bad), /5/);
  tf.dispose([x, y, idx, bad]);
});
