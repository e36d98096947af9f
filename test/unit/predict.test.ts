// predictLogits runs the input in chunks, each repeated over the model axis (on wasm by our
// block-copy Tile kernel); the logits must be the bytes the whole tiled input gives, chunk by chunk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/select';
import { buildModel } from '../../src/engine/models';
import { predictLogits } from '../../src/engine/train/predict';

test('predictLogits on wasm: the same bytes as the model applied to the tiled input, chunk by chunk', async () => {
  await initBackend('wasm');
  const K = 3;
  const n = 7;
  const model = buildModel({ kind: 'mlp', hidden: [5] }, [4], 3);
  const { params, state } = model.init([1, 2, 3]);
  const x = tf.tensor2d(Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 1.7)), [n, 4]);
  const got = await predictLogits(model, params, state, x, 4);
  const want = new Float32Array(K * n * 3);
  for (const [start, b] of [[0, 4], [4, 3]]) {
    const l = tf.tidy(() => model.apply(params, state, tf.tile(tf.expandDims(tf.slice(x, start, b), 0), [K, 1, 1]), false).logits);
    const v = l.dataSync();
    for (let k = 0; k < K; k++) want.set(v.subarray(k * b * 3, (k + 1) * b * 3), (k * n + start) * 3);
    l.dispose();
  }
  assert.deepEqual(Buffer.from(got.buffer), Buffer.from(want.buffer));
  const before = tf.memory().numTensors;
  await predictLogits(model, params, state, x, 4);
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
});
