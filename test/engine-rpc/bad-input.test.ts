/**
 * Bad input end to end: each case reaches the caller as a specific, human-readable error with a
 * stable code, the engine keeps serving, and the store stays consistent.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EngineClient } from '../../src/extension/engine/client';
import { ENGINE, TINY, inspectStore, rejectsWith, removeTemps, requireEngineBundle, startClient, tempDir, waitFor, type MemoryLogger } from './harness';

let client: EngineClient;
let logger: MemoryLogger;

before(() => {
  ({ client, logger } = startClient());
});

after(async () => {
  await client.stop();
  removeTemps();
});

test('malformed JSON-RPC messages get an Invalid Request error when they carry an id, and never stop the engine', async () => {
  requireEngineBundle();
  const child = fork(ENGINE, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const replies = new Map<unknown, { error?: { code: number; message: string; data: { code: string } }; result?: unknown }>();
  child.on('message', (m: { id?: unknown; error?: never; result?: unknown }) => {
    if (m.id !== undefined) replies.set(m.id, m);
  });
  try {
    child.send('not json-rpc at all');
    child.send([1, 2, 3]);
    child.send({ jsonrpc: '2.0', id: 1, method: 42 });
    child.send({ id: 2, method: 'unlearn/listJobs' });
    child.send({ jsonrpc: '2.0', id: 3, method: 'unlearn/listJobs', params: 'x' });
    child.send({ jsonrpc: '2.0', id: 4, result: 'a response nobody asked for' });
    child.send({ jsonrpc: '2.0', id: 5, method: 'unlearn/listJobs', params: {} });
    await waitFor(() => replies.size >= 5, 10_000, 'replies from the raw engine');
    for (const id of [1, 2, 3, 4]) {
      const r = replies.get(id);
      assert.equal(r?.error?.code, -32600, `message ${id}: ${JSON.stringify(r)}`);
      assert.equal(r?.error?.data.code, 'invalid-request');
    }
    assert.match(replies.get(1)?.error?.message ?? '', /"method" must be a non-empty string, got 42/);
    assert.match(replies.get(2)?.error?.message ?? '', /"jsonrpc" must be "2.0"/);
    assert.match(replies.get(3)?.error?.message ?? '', /"params" must be an object/);
    assert.match(replies.get(4)?.error?.message ?? '', /expects no responses/);
    assert.deepEqual(replies.get(5)?.result, { jobs: [] }, 'the engine still answers');
    await waitFor(() => stderr.includes('expected a JSON-RPC object, got string'), 5000, 'the id-less message to be logged');
    assert.match(stderr, /got an array/);
  } finally {
    child.kill();
  }
});

test('an unknown method names the methods the engine knows', async () => {
  const e = await rejectsWith(client.sendRaw('unlearn/trainEverything', {}), 'unknown-method', /unknown method "unlearn\/trainEverything".*unlearn\/train,/);
  assert.equal((e as unknown as { details: { rpcCode: number } }).details.rpcCode, -32601);
});

test('schema-invalid params name each faulty field', async () => {
  const store = tempDir();
  const e = await rejectsWith(client.sendRaw('unlearn/train', { store, ...TINY, config: { lr: 0.05, batchSize: 0, epochs: -3 } }), 'invalid-params');
  assert.match(e.message, /config\.batchSize: Too small/);
  assert.match(e.message, /config\.epochs: Too small/);
  const issues = (e as unknown as { details: { issues: Array<{ path: string }> } }).details.issues;
  assert.deepEqual(issues.map((i) => i.path).sort(), ['config.batchSize', 'config.epochs']);

  await rejectsWith(client.sendRaw('unlearn/train', { ...TINY }), 'invalid-params', /store: /);
  await rejectsWith(client.sendRaw('unlearn/train', { store: 'relative/store', ...TINY }), 'invalid-params', /store: store must be an absolute path/);
  await rejectsWith(client.sendRaw('unlearn/train', { store, ...TINY, model: { kind: 'transformer' } }), 'invalid-params', /model\.kind/);
  await rejectsWith(client.sendRaw('unlearn/train', { store, ...TINY, seeds: [0, -1] }), 'invalid-params', /seeds\[1\]/);
  await rejectsWith(client.sendRaw('unlearn/train', { store, ...TINY, epochs: 3 }), 'invalid-params', /Unrecognized key: "epochs"/);
  await rejectsWith(client.sendRaw('unlearn/trainEnsemble', { store, ...TINY, role: 'oracles', n: 2 }), 'invalid-params', /forget: the oracles ensemble trains without the forget set, so it needs one/);
  await rejectsWith(client.sendRaw('unlearn/listDatasets', [1, 2]), 'invalid-params', /must be an object of named fields/);
  await rejectsWith(client.sendRaw('unlearn/readResult', { store, kind: '../../etc', key: 'passwd' }), 'invalid-params', /kind: must be a store kind/);
  await rejectsWith(client.sendRaw('unlearn/readResult', { store, kind: 'models', key: 'k', arrays: ['../x.npy'] }), 'invalid-params', /arrays\[0\]/);
  assert.deepEqual(inspectStore(store).artifacts, [], 'nothing was written');
});

test('settings that are valid field by field but cannot work together are refused before queuing', async () => {
  await rejectsWith(client.submitJob('linearStudy', { store: tempDir(), settings: { n: 10, k: 10 } }), 'bad-config', /k: the forget set \(10\) must be smaller than the training set \(n = 10\)/);
});

test('a dataset path that does not exist, or is not a dataset, fails with the loader\'s message', async () => {
  const store = tempDir();
  await rejectsWith(client.request('datasetSamples', { dataset: { spec: '/no/such/dataset' } }), 'not-found', /\/no\/such\/dataset: no such file or folder/);
  await rejectsWith(client.runJob('train', { store, ...TINY, dataset: { spec: '/no/such/dataset' } }), 'not-found', /\/no\/such\/dataset: no such file or folder/);
  const notData = tempDir();
  writeFileSync(join(notData, 'notes.txt'), 'hello');
  await rejectsWith(client.runJob('train', { store, ...TINY, dataset: { spec: notData } }), 'bad-file', /is not a dataset: expected IDX files/);
  assert.deepEqual(inspectStore(store).artifacts, []);
});

test('forget-set indices out of range, or a set made for another dataset, are refused', async () => {
  const store = tempDir();
  const { forgetSet } = await client.request('createForgetSet', { dataset: TINY.dataset, generator: { kind: 'random', k: 5 } });
  const outOfRange = { ...forgetSet, indices: [1, 2, 700] };
  await rejectsWith(client.runJob('evaluate', { store, ...TINY, n: 1, forget: { set: outOfRange } }), 'bad-forget-set', /index 700 is out of range; training indices run from 0 to 199/);
  await rejectsWith(client.runJob('trainEnsemble', { store, ...TINY, role: 'oracles', n: 1, forget: { set: outOfRange } }), 'bad-forget-set', /out of range/);
  await rejectsWith(client.runJob('evaluate', { store, ...TINY, dataset: { trainSize: 150, valSize: 100 }, n: 1, forget: { set: forgetSet } }), 'bad-forget-set', /was made for dataset/);
  await rejectsWith(client.runJob('evaluate', { store, ...TINY, n: 1, forget: { file: join(store, 'missing.forget.json') } }), 'not-found', /no such forget-set file/);
  await rejectsWith(client.request('createForgetSet', { dataset: TINY.dataset, generator: { kind: 'class', class: 42 } }), 'bad-forget-set', /class 42 does not exist/);
  await rejectsWith(client.request('createForgetSet', { dataset: TINY.dataset, generator: { kind: 'random', k: 200 } }), 'bad-forget-set', /exceeds the 199 points available/);
  assert.deepEqual(inspectStore(store).artifacts, [], 'no training started');
});

test('a run that diverges comes back as a result marked diverged, not as a crash', async () => {
  const store = tempDir();
  const notes: string[] = [];
  const sub = client.onLog((l) => notes.push(l.message));
  try {
    const r = await client.runJob('train', { store, ...TINY, config: { ...TINY.config, lr: 1e30 } });
    assert.equal(r.diverged, true);
    assert.ok(r.divergedAtEpoch.every((d) => d !== null), JSON.stringify(r.divergedAtEpoch));
    assert.ok(notes.some((n) => /diverged .*lower the learning rate/.test(n)), notes.join('\n'));
    const { jobs } = await client.request('listJobs', {});
    assert.equal(jobs.at(-1)?.state, 'done');
  } finally {
    sub.dispose();
  }
  assert.equal(inspectStore(store).artifacts.length, 1, 'the diverged run is stored, with its divergence recorded');
});

test('a store that cannot be written: refused up front when the folder is a file, failed cleanly when a write fails', async () => {
  const dir = tempDir();
  const file = join(dir, 'not-a-folder');
  writeFileSync(file, 'x');
  await rejectsWith(client.submitJob('train', { store: file, ...TINY }), 'io', /is a file, not a folder/);
  await rejectsWith(client.submitJob('train', { store: join(file, 'sub'), ...TINY }), 'io', /a parent of this path is a file/);

  // The store folder is fine but its "models" kind is a file: only the final write can fail.
  const store = join(dir, 'store');
  mkdirSync(store);
  writeFileSync(join(store, 'models'), 'in the way');
  await rejectsWith(client.runJob('train', { store, ...TINY }), 'io', /could not write .*models/);
  assert.deepEqual(inspectStore(store).artifacts, []);
  // The engine is still fine, and the same run succeeds once the obstacle is gone.
  const ok = await client.runJob('train', { store: join(dir, 'store2'), ...TINY });
  assert.equal(ok.cached, false);
  await rejectsWith(client.request('readResult', { store, kind: 'models', key: ok.key }), 'not-found', /no complete artifact models\//);
  assert.ok(!logger.has('internal error'), logger.dump());
});
