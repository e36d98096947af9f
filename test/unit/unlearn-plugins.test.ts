/**
 * Plug-in unlearners: the example plug-in loaded by path and run through the comparison beside a
 * built-in method (scored with KLoM, cost and loss trace like it), and every way a plug-in can be
 * wrong giving a clear UnlearnError — or, for non-finite weights, a diverged row.
 */
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '../../src/engine/backend/select';
import { runCli } from '../../src/engine/cli/main';
import { UnlearnError } from '../../src/engine/errors';
import { COMPARISONS_KIND, compareUnlearners, marginsFileOf, type CompareRequest } from '../../src/engine/recipes/compare';
import { Store } from '../../src/engine/store/store';
import { loadPlugin, loadPlugins, nodeStripsTypes, splitMethods, withBudgets, type LoadedPlugin } from '../../src/engine/unlearn/plugin-loader';
import { tinyCompareRequest } from '../helpers/synthetic';

const EXAMPLE = resolve('examples/unlearners/random-labels.mjs');
const fixture = (name: string) => resolve('test/fixtures/plugins', name);

function request(plugins: LoadedPlugin[], methods: CompareRequest['methods'] = ['gd']): CompareRequest {
  return tinyCompareRequest('synthetic-plugins', { methods, plugins, overrides: { gd: { budgets: [1, 2] } } });
}

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UnlearnError, `an UnlearnError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test('the example plug-in loads by path with its id, label, budgets and file hash', async () => {
  const p = await loadPlugin(EXAMPLE);
  assert.equal(p.id, 'random-labels');
  assert.equal(p.label, 'Random labels');
  assert.deepEqual(p.budgets, [2, 5, 10]);
  assert.equal(p.file, EXAMPLE);
  assert.match(p.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(withBudgets(p, [2, 1, 2]).budgets, [1, 2]);
  const split = splitMethods(['gd', 'random-labels', 'om'], [p]);
  assert.deepEqual(split.builtins, ['gd', 'om']);
  assert.deepEqual(split.plugins.map((x) => x.id), ['random-labels']);
  assert.throws(() => splitMethods(['gd', 'mystery'], [p]), /unknown method "mystery" \(known: gd, .*; plug-ins: random-labels\)/);
});

test('a plug-in runs through the comparison beside GD and is scored like it: KLoM, cost, loss trace', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-plugins-')));
  const plugin = withBudgets(await loadPlugin(EXAMPLE), [1, 2]);
  const mark = tf.memory().numTensors;
  const r = await compareUnlearners(request([plugin]), store);
  assert.equal(tf.memory().numTensors - mark, 0, 'tensors left behind');
  assert.deepEqual(
    r.rows.map((x) => `${x.method}@${x.epochs}`),
    ['do-nothing@0', 'noise-floor@3', 'gd@1', 'gd@2', 'random-labels@1', 'random-labels@2'],
  );
  const rows = r.rows.filter((x) => x.method === 'random-labels');
  for (const x of rows) {
    assert.equal(x.label, 'Random labels');
    assert.equal(x.nUnlearned, 3);
    assert.ok(Number.isFinite(x.summary.headline.p99), `${x.epochs}: p99 ${x.summary.headline.p99}`);
    assert.ok(Number.isFinite(x.summary.forget.p95));
    assert.equal(x.diverged, false);
    assert.deepEqual(x.plugin, { file: plugin.file, sha256: plugin.sha256 });
  }
  // Cost per SPEC §3: per epoch one pass over F (5) and one over R (35), against |R| × 3 epochs.
  assert.equal(rows[0].cost.backwardExamples, 40);
  assert.equal(rows[1].cost.backwardExamples, 80);
  assert.ok(Math.abs(rows[1].cost.fraction - 80 / (35 * 3)) < 1e-12);
  assert.ok(rows[1].steps > 0);
  assert.deepEqual(
    rows[1].lossTrace.map((e) => `${e.epoch}:${e.phase}`),
    ['0:random-labels-F', '0:descent-R', '1:random-labels-F', '1:descent-R'],
  );
  assert.ok(rows[1].lossTrace.every((e) => Number.isFinite(e.loss)));
  // The plug-in moved the models: its unlearned margins (stored beside its KLoM) are not the originals'.
  const manifest = store.readManifest(COMPARISONS_KIND, r.key) as unknown as { ensembles: { originals: string } };
  const before = store.readArray('ensembles', manifest.ensembles.originals, 'margins.npy').data as Float32Array;
  const after = store.readArray(COMPARISONS_KIND, r.key, marginsFileOf(rows[1].klomFile)).data as Float32Array;
  assert.equal(after.length, before.length);
  assert.ok(after.some((v, i) => Math.abs(v - before[i]) > 1e-3), 'the margins changed');
  // An edited plug-in is a different comparison; the same one is cached.
  const again = await compareUnlearners(request([plugin]), store);
  assert.equal(again.cached, true);
  assert.equal(again.key, r.key);
  const other = await compareUnlearners(request([withBudgets(plugin, [1])]), store);
  assert.notEqual(other.key, r.key);
});

test('non-finite weights from a plug-in are a diverged row, scored as the worst, not a crash', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-plugins-nan-')));
  const r = await compareUnlearners(request([await loadPlugin(fixture('nan-weights.mjs'))], []), store);
  const rows = r.rows.filter((x) => x.method === 'nan-weights');
  assert.equal(rows.length, 2);
  for (const x of rows) {
    assert.equal(x.diverged, true);
    assert.deepEqual(
      x.divergedModels.map((d) => d.epoch),
      [0, 0, 0],
    );
  }
});

test('bad plug-ins are refused with a message naming the file and the fault', async () => {
  await rejects(loadPlugin(fixture('missing.mjs')), 'not-found', /missing\.mjs: no such file/);
  await rejects(loadPlugin(fixture('throws-on-import.mjs')), 'bad-file', /throws-on-import\.mjs: importing the plug-in unlearner threw: boom while loading/);
  await rejects(loadPlugin(fixture('no-default.mjs')), 'bad-config', /no-default\.mjs: its default export must be an object/);
  await rejects(loadPlugin(fixture('builtin-id.mjs')), 'bad-config', /id "gd" is a built-in method's/);
  await rejects(loadPlugins([EXAMPLE, EXAMPLE]), 'bad-config', /both have the id "random-labels"/);
  await rejects(loadPlugin(resolve('README.md')), 'bad-config', /expected a JavaScript module/);
  if (!nodeStripsTypes()) await rejects(loadPlugin(fixture('typed.ts')), 'bad-config', /needs a Node that strips types.*Compile it to \.mjs/);
  else assert.equal((await loadPlugin(fixture('typed.ts'))).id, 'typed');
});

test('a plug-in that throws while unlearning, or skips its epochs, fails its comparison with an UnlearnError', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-plugins-bad-')));
  await rejects(compareUnlearners(request([await loadPlugin(fixture('fails-midway.mjs'))], []), store), 'bad-config', /plug-in unlearner "fails-midway" .* failed: cannot read properties/);
  await rejects(compareUnlearners(request([await loadPlugin(fixture('skips-end-epoch.mjs'))], []), store), 'bad-config', /returned after 0 of 2 epochs/);
});

test('the CLI lists a plug-in in `info` and refuses a plug-in id without its module', async () => {
  const store = mkdtempSync(join(tmpdir(), 'uw-plugins-cli-'));
  const out: string[] = [];
  const code = await runCli(['--store', store, '--json', 'info', '--plugin', EXAMPLE], { stdout: (t) => out.push(t) });
  assert.equal(code, 0);
  const info = JSON.parse(out.join('')) as { methods: Array<{ id: string; kind: string; file: string | null }> };
  assert.deepEqual(info.methods.at(-1), { id: 'random-labels', label: 'Random labels', kind: 'plugin', description: 'fine-tune on F with random wrong labels, then descend on R (SGD, lr 1e-2)', file: EXAMPLE, budgets: [2, 5, 10] });
  assert.ok(info.methods.some((m) => m.id === 'gd' && m.kind === 'built-in'));
  const bad = await runCli(['--store', store, 'compare', '--train-size', '40', '--val-size', '20', '-n', '2', '--methods', 'gd,random-labels'], { stdout: () => undefined });
  assert.equal(bad, 64, 'bad usage: the plug-in id needs --plugin');
});
