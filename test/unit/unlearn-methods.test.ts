import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/select';
import { buildModel, type Params } from '../../src/engine/models';
import { parseTrainConfig } from '../../src/engine/train/config';
import { predictLogits, toDevice } from '../../src/engine/train/predict';
import { createOptimizer } from '../../src/engine/train/optimizer';
import { trainEnsemble } from '../../src/engine/train/trainer';
import { costOf, matchingSubset, runUnlearner, type UnlearnInput } from '../../src/engine/unlearn/run';
import { parseMethodList, resolveMethodSettings } from '../../src/engine/unlearn/settings';
import { syntheticData } from '../helpers/synthetic';

const n = 60;
const d = 6;
const C = 3;
const forget = Int32Array.from([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
const retain = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !forget.includes(i));
const retrainEpochs = 4;

async function setup() {
  await initBackend();
  const { x, y } = syntheticData(n, d, C, 3);
  const train = toDevice(x, y, n, [d]);
  const model = buildModel({ kind: 'mlp', hidden: [8] }, [d], C);
  const orig = await trainEnsemble({ model, data: train, seeds: [1, 2], config: parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: retrainEpochs }) });
  return { train, model, initial: { params: orig.params, state: orig.state } };
}

async function snapshot(p: Params): Promise<Record<string, Float32Array>> {
  return Object.fromEntries(await Promise.all(Object.entries(p).map(async ([k, t]) => [k, (await t.data()) as Float32Array] as const)));
}

function maxAbsDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let m = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k].length; i++) m = Math.max(m, Math.abs(a[k][i] - b[k][i]));
  return m;
}

const settings = resolveMethodSettings('workbench', {
  gd: { budgets: [1, 2] },
  ga: { budgets: [1] },
  gdga: { budgets: [1, 2], forgetBatchSize: 5 },
  scrub: { budgets: [2], maxSteps: 1, forgetBatchSize: 5 },
  om: { budgets: [10], batchSize: 8, lr: 0.03 },
  'neggrad-plus': { budgets: [1] },
});

function base(env: Awaited<ReturnType<typeof setup>>, method: UnlearnInput['method']): UnlearnInput {
  return { method, settings, model: env.model, train: env.train, initial: env.initial, seeds: [1, 2], forget, retain, retrainEpochs };
}

test('GD fine-tunes on R: weights move, the originals do not, cost and steps add up, checkpoints at every budget', async () => {
  const env = await setup();
  const before = await snapshot(env.initial.params);
  const seen: number[] = [];
  const r = await runUnlearner({ ...base(env, 'gd'), onCheckpoint: (c) => void seen.push(c.epochs) });
  assert.deepEqual(seen, [1, 2]);
  assert.ok(maxAbsDiff(before, await snapshot(r.params)) > 1e-4, 'GD changed the weights');
  assert.equal(maxAbsDiff(before, await snapshot(env.initial.params)), 0, 'the stored originals are untouched');
  assert.equal(r.steps, 2 * Math.ceil(retain.length / 50) * 1);
  assert.equal(r.cost.backwardExamples, 2 * retain.length);
  assert.equal(r.cost.fraction, (2 * retain.length) / (retain.length * retrainEpochs));
  assert.deepEqual(r.divergedAtEpoch, [null, null]);
  assert.equal(r.lossTrace.length, 2);
  assert.equal(r.lossTrace[0].phase, 'descent-R');
});

test('cost accounting: forward-only passes count 1/3, as a fraction of |R| × epochs', () => {
  const c = costOf(900, 300, 900, 30);
  assert.equal(c.examples, 1000);
  assert.equal(c.fraction, 1000 / 27000);
});

test('GD+GA: one ascent pass over F, then descent on R; later epochs descent only', async () => {
  const env = await setup();
  const r = await runUnlearner(base(env, 'gdga'));
  assert.deepEqual(r.lossTrace.map((e) => `${e.epoch}:${e.phase}`), ['0:ascent-F', '0:descent-R', '1:descent-R']);
  assert.equal(r.cost.backwardExamples, forget.length + 2 * retain.length);
  assert.equal(r.steps, Math.ceil(forget.length / 5) + 2 * Math.ceil(retain.length / 50));
});

test('GA with a huge learning rate is reported as diverged, not a crash', async () => {
  const env = await setup();
  const huge = resolveMethodSettings('workbench', { ga: { lr: 1e30, budgets: [3] } });
  const r = await runUnlearner({ ...base(env, 'ga'), settings: huge });
  assert.ok(r.divergedAtEpoch.every((e) => e !== null), `divergedAtEpoch ${JSON.stringify(r.divergedAtEpoch)}`);
});

test('SCRUB moves the student; the frozen teacher (its logits and the original weights) does not move', async () => {
  const env = await setup();
  const before = await snapshot(env.initial.params);
  const teacher = await predictLogits(env.model, env.initial.params, env.initial.state, env.train.x);
  const teacherCopy = teacher.slice();
  const r = await runUnlearner({ ...base(env, 'scrub'), teacherLogits: teacher });
  assert.ok(maxAbsDiff(before, await snapshot(r.params)) > 1e-4, 'the student moved');
  assert.equal(maxAbsDiff(before, await snapshot(env.initial.params)), 0, 'the teacher weights did not');
  assert.deepEqual(teacher, teacherCopy);
  assert.deepEqual(r.lossTrace.map((e) => e.phase), ['max-F', 'min-R', 'min-R']);
  // The teacher's forward pass on every example counts 1/3.
  assert.equal(r.cost.forwardOnlyExamples, forget.length + 2 * retain.length);
});

test('OM pulls the logits on F ∪ R-sample toward the targets; per-model targets reach each model', async () => {
  const env = await setup();
  const target = new Float32Array(2 * n * C);
  for (let k = 0; k < 2; k++) for (let i = 0; i < n; i++) target[(k * n + i) * C + (k === 0 ? 0 : 2)] = 3;
  const r = await runUnlearner({ ...base(env, 'om-pm'), targets: { data: target, perModel: true } });
  const logits = await predictLogits(env.model, r.params, r.state, env.train.x);
  const orig = await predictLogits(env.model, env.initial.params, env.initial.state, env.train.x);
  const mse = (l: Float32Array, k: number) => {
    let s = 0;
    for (const i of forget) for (let c = 0; c < C; c++) s += (l[(k * n + i) * C + c] - target[(k * n + i) * C + c]) ** 2;
    return s;
  };
  for (const k of [0, 1]) assert.ok(mse(logits, k) < 0.5 * mse(orig, k), `model ${k}: ${mse(logits, k)} vs ${mse(orig, k)}`);
  const loss = r.lossTrace.map((e) => e.loss[0]);
  assert.ok(loss[loss.length - 1] < loss[0]);
});

test('NegGrad+ runs on mixed R ∪ F batches', async () => {
  const env = await setup();
  const r = await runUnlearner(base(env, 'neggrad-plus'));
  assert.equal(r.cost.backwardExamples, n);
  assert.deepEqual(r.divergedAtEpoch, [null, null]);
});

test('the matching set is F repeated plus a seeded sample of R', () => {
  const s = matchingSubset(7, forget, retain, 2, 3);
  assert.equal(s.length, 2 * forget.length + 3 * forget.length);
  assert.deepEqual(Array.from(s.subarray(0, 10)), Array.from(forget));
  assert.deepEqual(Array.from(s.subarray(10, 20)), Array.from(forget));
  const rest = Array.from(s.subarray(20));
  assert.equal(new Set(rest).size, rest.length);
  assert.ok(rest.every((i) => retain.includes(i)));
  assert.deepEqual(matchingSubset(7, forget, retain, 2, 3), s);
  assert.equal(matchingSubset(7, forget, retain, 1, 100).length, forget.length + retain.length, 'never more of R than there is');
});

test('settings: presets resolve, overrides merge, bad values are refused', () => {
  const w = resolveMethodSettings('workbench');
  assert.equal(w.om.batchSize, 64);
  assert.equal(w.om.lr, 1e-3);
  assert.equal(w.gd.lr, 1e-2);
  const p = resolveMethodSettings('paper');
  assert.equal(p.om.batchSize, 512);
  assert.deepEqual(p.om.schedule, { kind: 'exponential', gamma: 0.95 });
  assert.equal(p.dmm.retainMultiplier, 20);
  assert.throws(() => resolveMethodSettings('workbench', { gd: { budgets: [5, 2] } }), /ascending/);
  assert.throws(() => resolveMethodSettings('workbench', { gd: { lr: -1 } }), /gd\.lr/);
  assert.deepEqual(parseMethodList('gd, om,gd'), ['gd', 'om']);
  assert.throws(() => parseMethodList('gd,nope'), /unknown method "nope"/);
});

test('trainer: a caller-owned optimizer survives the call and epochOffset continues the schedule', async () => {
  const env = await setup();
  const cfg = parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: 1, schedule: { kind: 'exponential', gamma: 0.5 } });
  const opt = createOptimizer(cfg);
  const a = await trainEnsemble({ model: env.model, data: env.train, seeds: [1, 2], config: cfg, initial: env.initial, optimizer: opt });
  const b = await trainEnsemble({ model: env.model, data: env.train, seeds: [1, 2], config: cfg, initial: { params: a.params, state: a.state }, optimizer: opt, epochOffset: 1 });
  // The same two epochs in one call.
  const whole = await trainEnsemble({ model: env.model, data: env.train, seeds: [1, 2], config: { ...cfg, epochs: 2 }, initial: env.initial });
  assert.ok(maxAbsDiff(await snapshot(b.params), await snapshot(whole.params)) < 1e-5);
  opt.dispose();
  for (const t of [...Object.values(a.params), ...Object.values(b.params), ...Object.values(whole.params)]) t.dispose();
  tf.dispose();
});
