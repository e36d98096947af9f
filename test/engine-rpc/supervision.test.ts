/**
 * The client as supervisor: an engine killed mid-job is restarted, whoever waited on it is told
 * why, the interrupted job is listed, and the store is left with nothing half-written. Restarts
 * are bounded, and none follow a deliberate stop.
 */
import assert from 'node:assert/strict';
import { watch, type FSWatcher } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Store } from '../../src/engine/store/store';
import type { RestartEvent } from '../../src/extension/engine/client';
import { LONG, TINY, inspectStore, rejectsWith, removeTemps, sleep, startClient, tempDir, waitFor } from './harness';

after(() => removeTemps());

test('SIGKILL mid-job: pending work fails with the reason, the engine restarts, the interrupted job is listed', async () => {
  const { client, logger } = startClient();
  const store = tempDir();
  try {
    const restarts: RestartEvent[] = [];
    client.onDidRestart((e) => restarts.push(e));
    let jobId = '';
    let trainingStarted = false;
    const run = client.runJob('train', { store, ...LONG }, { onAccepted: (j) => (jobId = j.id), onProgress: (p) => (trainingStarted ||= p.phase === 'train') });
    await waitFor(() => trainingStarted, 20_000, 'training to start');
    const pid = client.pid as number;
    const pendingRequest = client.request('listJobs', {});
    process.kill(pid, 'SIGKILL');
    await rejectsWith(run, 'engine-stopped', /job .* was interrupted: the engine stopped unexpectedly \(signal SIGKILL\); restarting…/);
    // The request may have been answered before the kill landed; if not, it fails the same way.
    await pendingRequest.catch((e: Error) => assert.match(e.message, /stopped unexpectedly \(signal SIGKILL\)/));

    await waitFor(() => restarts.length === 1, 10_000, 'the restart');
    assert.equal(restarts[0].reason, 'signal SIGKILL');
    assert.deepEqual(restarts[0].interrupted.map((i) => i.job.id), [jobId]);
    assert.equal(restarts[0].interrupted[0].job.state, 'running');
    assert.notEqual(client.pid, pid);
    assert.equal(client.currentState, 'running');
    assert.ok(logger.has('stopped unexpectedly (signal SIGKILL); restarting'), logger.dump());

    // Jobs die with the engine; the store is what survives, and it holds nothing half-written.
    assert.deepEqual((await client.request('listJobs', {})).jobs, []);
    assert.deepEqual(inspectStore(store).artifacts, []);
    const again = await client.runJob('train', { store, ...TINY });
    assert.equal(again.cached, false);
  } finally {
    await client.stop();
  }
});

test('SIGKILL in the middle of an artifact write leaves nothing that reads as complete', async (t) => {
  const { client } = startClient();
  const store = tempDir();
  const models = join(store, 'models');
  mkdirSync(models, { recursive: true });
  // Big weights (2 × 784 × 2048 floats) make the write long enough to land in.
  const recipe = { store, dataset: { trainSize: 100, valSize: 20 }, model: { kind: 'mlp' as const, hidden: [2048] }, config: { lr: 0.05, batchSize: 100, epochs: 1 }, seeds: [0, 1] };
  let watcher: FSWatcher | undefined;
  try {
    await client.start();
    const pid = client.pid as number;
    let killedDuringWrite = false;
    watcher = watch(models, (_event, name) => {
      if (!killedDuringWrite && name?.startsWith('.') && name.includes('.tmp-')) {
        killedDuringWrite = true;
        process.kill(pid, 'SIGKILL');
      }
    });
    await rejectsWith(client.runJob('train', recipe), 'engine-stopped', /signal SIGKILL/);
    watcher.close();
    assert.ok(killedDuringWrite, 'the kill was triggered by the temporary folder of the write');
    const seen = inspectStore(store);
    t.diagnostic(seen.temporaries.length ? `killed mid-write: ${seen.temporaries.join(', ')} left behind` : 'the rename won the race: the artifact is whole');
    // Either the kill landed mid-write (a temporary remains, invisible to readers) or just after
    // the rename (a whole artifact): never a visible artifact that is incomplete.
    assert.ok(seen.temporaries.length + seen.artifacts.length >= 1, JSON.stringify(seen));
    const s = new Store(store);
    assert.equal(s.list('models').length, seen.artifacts.length, 'readers see only complete artifacts');
    // The next engine sweeps the dead writer's leftovers when it opens the store.
    await waitFor(() => client.currentState === 'running', 10_000, 'the restart');
    const swept = await client.request('listResults', { store });
    assert.equal(swept.sweptTemporaries, seen.temporaries.length);
    assert.deepEqual(inspectStore(store).temporaries, []);
    const redone = await client.runJob('train', recipe);
    assert.equal(redone.cached, seen.artifacts.length === 1);
    assert.equal(inspectStore(store).artifacts.length, 1);
  } finally {
    watcher?.close();
    await client.stop();
  }
});

test('restarts are bounded: an engine that keeps crashing is given up after 3 restarts, with a clear message', async () => {
  // Node fails at startup on a --require it cannot find: the engine "crashes" at once, every time.
  const { client, logger } = startClient({ runtimeArgs: ['--require', '/nonexistent/crash-on-start.js'], maxRestarts: 3, restartWindowMs: 60_000 });
  try {
    await rejectsWith(client.request('listJobs', {}), 'engine-stopped', /stopped unexpectedly \(exit code 1\); restarting/);
    await waitFor(() => client.currentState === 'failed', 10_000, 'the client to give up');
    assert.equal(client.spawnCount, 4, 'the first start and 3 restarts');
    await rejectsWith(client.request('listJobs', {}), 'engine-unavailable', /4 times within 1 minute; it is not restarted again.*Unlearn: Restart Engine/);
    await sleep(200);
    assert.equal(client.spawnCount, 4, 'no further attempts');
    assert.ok(logger.has('Cannot find module'), 'the engine log shows why it failed');
  } finally {
    await client.stop();
  }
});

test('no restart after a deliberate stop; restart() starts a fresh engine', async () => {
  const { client, logger } = startClient();
  await client.start();
  const pid = client.pid;
  await client.stop();
  await sleep(200);
  assert.equal(client.spawnCount, 1);
  assert.equal(client.currentState, 'stopped');
  await rejectsWith(client.request('listDatasets', {}), 'engine-unavailable', /shut down/);
  await client.restart();
  assert.equal(client.spawnCount, 2);
  assert.notEqual(client.pid, pid);
  assert.ok((await client.request('listDatasets', {})).datasets.length >= 1, 'a request after the restart works');
  assert.ok(!logger.has('stopped unexpectedly'), logger.dump());
  await client.stop();
});

test('a runtime that does not exist, or a missing bundle, fails with a message naming it', async () => {
  const bad = startClient({ runtime: '/nonexistent/bin/node' }).client;
  await rejectsWith(bad.request('listJobs', {}), 'engine-unavailable', /could not start the engine with \/nonexistent\/bin\/node: .*ENOENT.*unlearn\.engine\.runtime/);
  assert.equal(bad.currentState, 'failed');
  await bad.stop();
  const missing = startClient({ enginePath: '/nonexistent/dist/engine.js' }).client;
  await rejectsWith(missing.request('listJobs', {}), 'engine-unavailable', /\/nonexistent\/dist\/engine\.js is missing: build the extension/);
});

test('stray console.log output from a dependency goes to stderr, never into the protocol', async () => {
  // A preload that prints to stdout once the engine is up, as a chatty dependency would.
  // (The markers are assembled at run time so the logged command line does not contain them.)
  const preload = 'data:text/javascript,setTimeout(() => { console.log("stray-" + "output-7f3a"); process.stdout.write("raw-" + "write-7f3a\\n"); }, 300)';
  const { client, logger } = startClient({ runtimeArgs: ['--import', preload] });
  try {
    await client.start();
    await waitFor(() => logger.has('raw-write-7f3a'), 5000, 'the stray output in the log');
    assert.ok(logger.has('engine stderr: stray-output-7f3a'), logger.dump());
    assert.ok(logger.has('engine stderr: raw-write-7f3a'), logger.dump());
    assert.ok(!logger.has('engine stdout:'), logger.dump());
    assert.ok((await client.request('listDatasets', {})).datasets.length >= 1);
  } finally {
    await client.stop();
  }
});
