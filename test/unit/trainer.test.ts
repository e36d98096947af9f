import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/select';
import { buildModel } from '../../src/engine/models';
import { parseTrainConfig } from '../../src/engine/train/config';
import { predictLogits, toDevice } from '../../src/engine/train/predict';
import { trainEnsemble } from '../../src/engine/train/trainer';
import { syntheticData } from '../helpers/synthetic';

const n = 96;
const d = 12;
const C = 3;
const cfg = parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: 3 });

async function trainAndPredict(seeds: number[], config = cfg) {
  const { x, y } = syntheticData(n, d, C);
  const data = toDevice(x, y, n, [d]);
  const model = buildModel({ kind: 'mlp', hidden: [8] }, [d], C);
  const r = await trainEnsemble({ model, data, seeds, config });
  const logits = await predictLogits(model, r.params, r.state, data.x);
  for (const t of Object.values(r.params)) t.dispose();
  data.x.dispose();
  data.y.dispose();
  return { logits, r };
}

test('same seed gives identical logits; another seed differs', async () => {
  await initBackend();
  const a = await trainAndPredict([7]);
  const b = await trainAndPredict([7]);
  const c = await trainAndPredict([8]);
  assert.deepEqual(Buffer.from(a.logits.buffer), Buffer.from(b.logits.buffer));
  assert.notDeepEqual(Buffer.from(a.logits.buffer), Buffer.from(c.logits.buffer));
});

test('a model trained inside an ensemble matches it trained alone (to float32 rounding)', async () => {
  await initBackend();
  const alone = await trainAndPredict([11]);
  const ens = await trainAndPredict([5, 11, 13]);
  const slice = ens.logits.subarray(n * C, 2 * n * C);
  for (let i = 0; i < slice.length; i++) {
    assert.ok(Math.abs(slice[i] - alone.logits[i]) <= 1e-4 * (1 + Math.abs(alone.logits[i])), `logit ${i}: ${slice[i]} vs ${alone.logits[i]}`);
  }
});

test('training learns the synthetic task and reports per-model loss history', async () => {
  await initBackend();
  const { r, logits } = await trainAndPredict([1, 2], parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: 10 }));
  assert.equal(r.lossHistory.length, 2);
  assert.equal(r.lossHistory[0].length, 10);
  assert.ok(r.lossHistory[0][9] < r.lossHistory[0][0]);
  const { y } = syntheticData(n, d, C);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * C, (i + 1) * C);
    if (row.indexOf(Math.max(...row)) === y[i]) correct++;
  }
  assert.ok(correct / n > 0.9, `train accuracy ${correct / n}`);
  assert.deepEqual(r.divergedAtEpoch, [null, null]);
});

test('tensor count does not grow across epochs', async () => {
  await initBackend();
  await trainAndPredict([3], parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: 1 }));
  const before = tf.memory().numTensors;
  await trainAndPredict([3], parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: 6 }));
  assert.equal(tf.memory().numTensors, before);
});

test('SGD with momentum and no weight decay trains past its first step (the gradient becomes the momentum buffer)', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const { r } = await trainAndPredict([5], parseTrainConfig({ lr: 0.05, momentum: 0.9, weightDecay: 0, batchSize: 16, epochs: 2 }));
  assert.equal(r.steps, 2 * Math.ceil(n / 16));
  assert.ok(r.lossHistory[0].every(Number.isFinite));
  assert.ok(r.lossHistory[0][1] < r.lossHistory[0][0], 'the loss falls');
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
});

test('a huge learning rate is reported as divergence, not a crash', async () => {
  await initBackend();
  const { r } = await trainAndPredict([4], parseTrainConfig({ lr: 1e30, momentum: 0, weightDecay: 0, batchSize: 16, epochs: 3 }));
  assert.notEqual(r.divergedAtEpoch[0], null);
});

test('cancellation stops within one step with a clear error and frees tensors', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const { x, y } = syntheticData(n, d, C);
  const data = toDevice(x, y, n, [d]);
  const model = buildModel({ kind: 'mlp', hidden: [8] }, [d], C);
  const ac = new AbortController();
  let lastStep = 0;
  const onProgress = (p: { step: number }) => {
    lastStep = Math.max(lastStep, p.step);
    if (p.step >= 5) ac.abort();
  };
  await assert.rejects(
    trainEnsemble({ model, data, seeds: [1], config: parseTrainConfig({ lr: 0.05, batchSize: 8, epochs: 50 }), signal: ac.signal, progressIntervalMs: 0, onProgress }),
    /cancelled/,
  );
  assert.ok(lastStep <= 6, `the step after the cancel is the last one (stopped at step ${lastStep})`);
  data.x.dispose();
  data.y.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('bad configs are refused with a message naming the field', () => {
  assert.throws(() => parseTrainConfig({ lr: 0.1, batchSize: 0, epochs: 1 }), /batchSize/);
  assert.throws(() => parseTrainConfig({ lr: 0.1, batchSize: 8, epochs: -1 }), /epochs/);
  assert.throws(() => parseTrainConfig({ lr: -1, batchSize: 8, epochs: 1 }), /lr/);
});
