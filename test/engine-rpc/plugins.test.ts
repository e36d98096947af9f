/**
 * Plug-in unlearners through the real engine: listed beside the built-ins by
 * `unlearn/listUnlearners`, run by `unlearn/compare` into a row scored like GD's, and a faulty
 * plug-in failing its request or job with a clear error while the engine keeps serving.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { ForgetSet } from '../../src/protocol';
import type { EngineClient } from '../../src/extension/engine/client';
import { rejectsWith, removeTemps, startClient, tempDir } from './harness';

const EXAMPLE = resolve(__dirname, '../../examples/unlearners/random-labels.mjs');
const fixture = (name: string) => resolve(__dirname, '../fixtures/plugins', name);

let client: EngineClient;
let store: string;
let forgetSet: ForgetSet;

const RECIPE = {
  dataset: { trainSize: 200, valSize: 100 },
  model: { kind: 'mlp' as const, hidden: [16] },
  config: { lr: 0.05, batchSize: 32, epochs: 2 },
};

before(async () => {
  ({ client } = startClient());
  store = tempDir();
  ({ forgetSet } = await client.request('createForgetSet', { dataset: RECIPE.dataset, generator: { kind: 'random', k: 20, seed: 0 } }));
});

after(async () => {
  await client.stop();
  removeTemps();
});

test('listUnlearners lists the built-ins, then the plug-ins whose modules are given', async () => {
  const plain = await client.request('listUnlearners', {});
  assert.ok(plain.methods.some((m) => m.id === 'gd' && m.kind === 'built-in'));
  assert.ok(!plain.methods.some((m) => m.kind === 'plugin'));
  const withPlugin = await client.request('listUnlearners', { plugins: [EXAMPLE] });
  const p = withPlugin.methods.find((m) => m.id === 'random-labels');
  assert.deepEqual(p && { kind: p.kind, label: p.label, file: p.file, budgets: p.budgets }, { kind: 'plugin', label: 'Random labels', file: EXAMPLE, budgets: [2, 5, 10] });
  assert.equal(withPlugin.methods.length, plain.methods.length + 1);
});

test('a plug-in that throws on import is a clear error, and the engine keeps serving', async () => {
  await rejectsWith(client.request('listUnlearners', { plugins: [fixture('throws-on-import.mjs')] }), 'bad-file', /throws-on-import\.mjs: importing the plug-in unlearner threw: boom while loading/);
  await rejectsWith(client.request('listUnlearners', { plugins: [fixture('builtin-id.mjs')] }), 'bad-config', /id "gd" is a built-in method's/);
  await rejectsWith(client.sendRaw('unlearn/listUnlearners', { plugins: ['relative/plugin.mjs'] }), 'invalid-params', /plugins\[0\]: plugin must be an absolute path/);
  const info = await client.request('engineInfo', {});
  assert.ok(info.pid > 0);
});

test('compare runs a plug-in listed in methods beside GD, with KLoM, cost and loss trace', async () => {
  const r = await client.runJob('compare', { store, ...RECIPE, n: 2, forget: { set: forgetSet }, methods: ['gd', 'random-labels'], plugins: [EXAMPLE], budgets: { gd: [1] } });
  assert.deepEqual(
    r.rows.map((x) => x.id),
    ['gd@1', 'random-labels@2', 'random-labels@5', 'random-labels@10'],
  );
  for (const x of r.rows.filter((row) => row.method === 'random-labels')) {
    assert.equal(x.kind, 'unlearner');
    assert.equal(x.label, 'Random labels');
    assert.ok(x.headline.p99 !== null && Number.isFinite(x.headline.p99), x.id);
    assert.equal(x.nUnlearned, 2);
    assert.equal(x.diverged, false);
    // Per epoch one pass over F (20) and one over R (180): 200 examples, against |R| × 2 epochs.
    assert.equal(x.costExamples, 200 * x.epochs);
    assert.ok(Math.abs(x.cost - (200 * x.epochs) / (180 * 2)) < 1e-9);
    assert.equal(x.lossTrace.length, 2 * x.epochs);
    assert.equal(x.plugin?.file, EXAMPLE);
  }
  assert.equal(r.rows[0].plugin, null);
});

test('runUnlearners applies a plug-in and returns its per-model results', async () => {
  const r = await client.runJob('runUnlearners', { store, ...RECIPE, n: 2, forget: { set: forgetSet }, methods: ['random-labels'], plugins: [EXAMPLE] });
  assert.deepEqual(
    r.methods.map((m) => [m.method, m.label, m.budgets.map((b) => b.epochs)]),
    [['random-labels', 'Random labels', [2, 5, 10]]],
  );
  for (const b of r.methods[0].budgets) {
    assert.equal(b.models.length, 2);
    assert.equal(b.diverged, false);
    assert.equal(b.costExamples, 200 * b.epochs);
  }
});

test('a plug-in id needs its module; a plug-in that fails mid-run fails its job, not the engine', async () => {
  const base = { store, ...RECIPE, n: 2, forget: { set: forgetSet } };
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: ['gd', 'random-labels'] }), 'invalid-params', /methods\[1\]: unknown method "random-labels" \(known: gd, .*needs its module in "plugins"/);
  await rejectsWith(client.runJob('compare', { ...base, methods: ['gd', 'other-method'], plugins: [EXAMPLE] }), 'bad-config', /unknown method "other-method" .*plug-ins: random-labels/);
  await rejectsWith(client.runJob('compare', { ...base, methods: ['fails-midway'], plugins: [fixture('fails-midway.mjs')] }), 'bad-config', /plug-in unlearner "fails-midway" .* failed: cannot read properties/);
  const info = await client.request('engineInfo', {});
  assert.ok(info.pid > 0, 'the engine still answers');
});
