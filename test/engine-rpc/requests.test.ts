/** Every request type of the protocol, against the real engine child process, on tiny data. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeBytes, decodeNpyPayload, type ForgetSet, type Progress } from '../../src/protocol';
import type { EngineClient } from '../../src/extension/engine/client';
import { TINY, inspectStore, rejectsWith, removeTemps, startClient, tempDir, type MemoryLogger } from './harness';

let client: EngineClient;
let logger: MemoryLogger;
let store: string;
let forgetSet: ForgetSet;

before(() => {
  ({ client, logger } = startClient());
  store = tempDir();
});

after(async () => {
  await client.stop();
  removeTemps();
});

test('engineInfo answers without loading TensorFlow.js, and reports the backend once asked', async () => {
  const info = await client.request('engineInfo', {});
  assert.equal(info.protocolVersion, 1);
  assert.equal(info.backend, null);
  assert.ok(info.capabilities.includes('unlearn/train'));
  for (const m of ['estimateDatamodels', 'runUnlearners', 'compare']) assert.ok(info.capabilities.includes(`unlearn/${m}`), `${m} is wired in this build`);
  const withBackend = await client.request('engineInfo', { initBackend: true });
  assert.ok(withBackend.backend && ['tensorflow', 'wasm', 'cpu'].includes(withBackend.backend.name));
  assert.equal(withBackend.pid, client.pid);
});

test('listDatasets lists the embedded subset', async () => {
  const { datasets } = await client.request('listDatasets', {});
  const embedded = datasets.find((d) => d.spec === 'embedded');
  assert.ok(embedded, JSON.stringify(datasets));
  assert.deepEqual(embedded.inputShape, [28, 28, 1]);
  assert.equal(embedded.numClasses, 10);
});

test('datasetSamples pages raw uint8 pixels and labels', async () => {
  const page = await client.request('datasetSamples', { dataset: TINY.dataset, offset: 0, limit: 10 });
  assert.equal(page.total, 200);
  assert.equal(page.count, 10);
  assert.equal(page.labels.length, 10);
  assert.ok(page.pixels);
  const px = decodeBytes(page.pixels);
  assert.equal(px.length, 10 * 28 * 28);
  assert.ok(px.some((v) => v > 0));
  const last = await client.request('datasetSamples', { dataset: TINY.dataset, offset: 195, limit: 10 });
  assert.equal(last.count, 5, 'the last page holds what is left');
  assert.equal(decodeBytes(last.pixels as string).length, 5 * 784);
  const val = await client.request('datasetSamples', { dataset: TINY.dataset, split: 'validation', limit: 3 });
  assert.equal(val.total, 100);
  assert.equal(val.split, 'validation');
  await rejectsWith(client.request('datasetSamples', { dataset: TINY.dataset, offset: 201 }), 'bad-config', /offset 201 is past the end of the training split .*200 points/);
});

test('createForgetSet makes sets with every generator and writes the file atomically', async () => {
  const file = join(tempDir(), 'random-10.forget.json');
  const random = await client.request('createForgetSet', { dataset: TINY.dataset, generator: { kind: 'random', k: 10, seed: 3 }, file });
  assert.equal(random.forgetSet.indices.length, 10);
  assert.equal(random.file, file);
  assert.equal(random.perClass.reduce((a, b) => a + b, 0), 10);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).indices, random.forgetSet.indices);
  forgetSet = random.forgetSet;

  const cls = await client.request('createForgetSet', { dataset: TINY.dataset, generator: { kind: 'class', class: 3 } });
  assert.equal(cls.file, null);
  assert.equal(cls.perClass[3], cls.forgetSet.indices.length);
  const nn = await client.request('createForgetSet', { dataset: TINY.dataset, generator: { kind: 'nearest-neighbours', anchor: 7, k: 5 } });
  assert.ok(nn.forgetSet.indices.includes(7));
  const manual = await client.request('createForgetSet', { dataset: TINY.dataset, name: 'picked', generator: { kind: 'manual', indices: [9, 2, 2, 5] } });
  assert.deepEqual(manual.forgetSet.indices, [2, 5, 9]);
  assert.equal(manual.forgetSet.name, 'picked');
});

test('validateForgetSet accepts a usable set and explains what is wrong with another', async () => {
  const ok = await client.request('validateForgetSet', { dataset: TINY.dataset, forget: { set: forgetSet } });
  assert.equal(ok.valid, true);
  assert.deepEqual(ok.problems, []);
  const bad = await client.request('validateForgetSet', { dataset: TINY.dataset, forget: { set: { ...forgetSet, indices: [3, 250, 400] } } });
  assert.equal(bad.valid, false);
  assert.match(bad.problems.join(' '), /indices 250, 400 are out of range; training indices run from 0 to 199/);
  const otherCut = await client.request('validateForgetSet', { dataset: { trainSize: 300 }, forget: { set: forgetSet } });
  assert.equal(otherCut.valid, false);
  assert.match(otherCut.problems.join(' '), /was made for dataset/);
});

let trainKey = '';

test('train runs as a job: accepted at once, progress, then a result; a second run reuses the store', async () => {
  const progress: Progress[] = [];
  let accepted: string | undefined;
  const r = await client.runJob('train', { store, ...TINY, seeds: [0, 1] }, { onProgress: (p) => progress.push(p), onAccepted: (j) => (accepted = j.state) });
  assert.equal(accepted, 'queued');
  assert.equal(r.cached, false);
  assert.equal(r.seeds.length, 2);
  assert.equal(r.diverged, false);
  assert.equal(r.trainAccuracy.length, 2);
  assert.ok(progress.some((p) => p.phase === 'train'), 'reported training progress');
  assert.ok(existsSync(join(r.dir, 'manifest.json')));
  trainKey = r.key;
  const again = await client.runJob('train', { store, ...TINY, seeds: [0, 1] });
  assert.equal(again.cached, true);
  assert.equal(again.key, r.key);
});

test('readResult returns a manifest, arrays and text files; listResults lists the store', async () => {
  const r = await client.request('readResult', { store, kind: 'models', key: trainKey, arrays: ['margins.npy'] });
  assert.equal(r.manifest.key, trainKey);
  const margins = decodeNpyPayload(r.arrays['margins.npy']);
  assert.deepEqual(r.arrays['margins.npy'].shape, [2, 300]);
  assert.ok(margins instanceof Float32Array && margins.every(Number.isFinite));
  const list = await client.request('listResults', { store });
  assert.ok(list.artifacts.some((a) => a.kind === 'models' && a.key === trainKey));
});

test('trainEnsemble trains N models in groups; evaluate scores the reference rows', async () => {
  const ens = await client.runJob('trainEnsemble', { store, ...TINY, role: 'originals', n: 2, groupSize: 1 });
  assert.equal(ens.seeds.length, 2);
  assert.equal(ens.groups.length, 2);
  assert.equal(ens.role, 'originals');
  const phases = new Set<string>();
  const ev = await client.runJob('evaluate', { store, ...TINY, n: 2, groupSize: 1, forget: { set: forgetSet } }, { onProgress: (p) => phases.add(p.phase) });
  assert.deepEqual(ev.report.rows.map((row) => row.label), ['do nothing', 'oracle noise floor']);
  assert.equal(ev.ensembles.originals, ens.key, 'the originals trained above are reused');
  assert.ok(phases.has('oracles'));
  const summary = await client.request('readResult', { store, kind: 'evals', key: ev.key, files: ['summary.json'] });
  assert.equal(JSON.parse(summary.files['summary.json']).forgetSet, forgetSet.name);
  inspectStore(store);
});

test('linearStudy runs in the engine and is cached by its settings', async () => {
  const settings = { n: 40, d: 60, k: 4, nTest: 50, steps: 3000 };
  const r = await client.runJob('linearStudy', { store, settings });
  assert.equal(r.cached, false);
  assert.ok(r.result.methods.some((m) => m.id === 'om'));
  assert.ok(existsSync(join(r.dir, 'result.json')) && existsSync(join(r.dir, 'curves.csv')));
  const again = await client.runJob('linearStudy', { store, settings });
  assert.equal(again.cached, true);
  assert.equal(again.result.settingsHash, r.result.settingsHash);
});

test('listJobs and jobResult report finished jobs with their results', async () => {
  const { jobs } = await client.request('listJobs', {});
  assert.ok(jobs.length >= 6);
  assert.ok(jobs.every((j) => j.state === 'done'), JSON.stringify(jobs.map((j) => [j.method, j.state, j.error])));
  const train = jobs.find((j) => j.method === 'unlearn/train');
  assert.ok(train);
  const r = await client.request('jobResult', { jobId: train.id });
  assert.equal((r.result as { key: string }).key, trainKey);
  await rejectsWith(client.request('jobResult', { jobId: 'nope-1' }), 'unknown-job', /no job "nope-1"/);
});

test('datamodel, unlearner and comparison params are checked before a job is queued', async () => {
  const recipe = { store, ...TINY };
  await rejectsWith(client.runJob('estimateDatamodels', { ...recipe, models: 8 }), 'invalid-params', /models: 8 subset models are too few: 10 are held out/);
  await rejectsWith(client.sendRaw('unlearn/runUnlearners', { ...recipe, n: 2, forget: { set: forgetSet }, methods: [{ id: 'forget-all' }] }), 'invalid-params', /methods\[0\]: unknown method "forget-all"/);
  await rejectsWith(client.runJob('compare', { ...recipe, n: 2, forget: { set: forgetSet }, methods: ['om', 'om'] }), 'invalid-params', /methods\[1\]: "om" is listed twice/);
});

test('shutdown stops the engine for good: no restart, and later requests say so', async () => {
  const pid = client.pid;
  assert.ok(pid);
  await client.stop();
  assert.equal(client.currentState, 'stopped');
  assert.equal(client.pid, undefined);
  await rejectsWith(client.request('listJobs', {}), 'engine-unavailable', /shut down/);
  assert.equal(client.spawnCount, 1);
  assert.ok(!logger.has('stopped unexpectedly'), logger.dump());
});
