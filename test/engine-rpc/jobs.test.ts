/** The job queue through the real engine: one job at a time, cancellation, progress rate, resume. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { JobInfo, Progress } from '../../src/protocol';
import type { EngineClient } from '../../src/extension/engine/client';
import { LONG, TINY, inspectStore, rejectsWith, removeTemps, startClient, tempDir, waitFor } from './harness';

let client: EngineClient;

before(async () => {
  ({ client } = startClient());
  await client.request('engineInfo', { initBackend: true });
});

after(async () => {
  await client.stop();
  removeTemps();
});

function track(): { states: Map<string, JobInfo['state'][]>; progress: Progress[]; dispose(): void } {
  const states = new Map<string, JobInfo['state'][]>();
  const progress: Progress[] = [];
  const a = client.onJobState(({ job }) => states.set(job.id, [...(states.get(job.id) ?? []), job.state]));
  const b = client.onProgress((p) => progress.push({ ...p, receivedAt: performance.now() } as Progress));
  return { states, progress, dispose: () => (a.dispose(), b.dispose()) };
}

test('two jobs at once: the second waits in the queue until the first is done; a queued job cancels at once', async () => {
  const store = tempDir();
  const t = track();
  try {
    const order: string[] = [];
    const first = client.runJob('train', { store, ...TINY, seeds: [0] }).then((r) => (order.push('first'), r));
    const second = client.runJob('train', { store, ...TINY, seeds: [1] }).then((r) => (order.push('second'), r));
    const third = client.submitJob('train', { store, ...TINY, seeds: [2] });
    const { jobId: thirdId, job } = await third;
    assert.equal(job.state, 'queued');
    assert.ok((job.queuePosition ?? 0) >= 1);
    const cancelled = await client.cancelJob(thirdId);
    assert.equal(cancelled.state, 'cancelled', 'a queued job is cancelled on the spot');
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first', 'second']);
    const { jobs } = await client.request('listJobs', {});
    const [a, b] = jobs.filter((j) => j.method === 'unlearn/train' && j.state === 'done').slice(-2);
    assert.ok(a.finishedAt !== null && b.startedAt !== null && a.finishedAt <= b.startedAt, `second started ${b.startedAt} before the first finished ${a.finishedAt}`);
    assert.deepEqual(t.states.get(thirdId), ['queued', 'cancelled'], 'the cancelled job never ran');
    assert.equal(inspectStore(store).artifacts.length, 2);
  } finally {
    t.dispose();
  }
});

test('cancelling a running job stops it mid-run and leaves no artifact', async (tc) => {
  const store = tempDir();
  const t = track();
  try {
    const abort = new AbortController();
    let jobId = '';
    const run = client.runJob('train', { store, ...LONG }, { signal: abort.signal, onAccepted: (j) => (jobId = j.id) });
    await waitFor(() => t.progress.some((p) => p.jobId === jobId && p.phase === 'train' && p.step > 0), 20_000, 'training to start');
    const stepAtCancel = t.progress.filter((p) => p.jobId === jobId).at(-1)?.step ?? 0;
    const cancelledAt = performance.now();
    abort.abort();
    await rejectsWith(run, 'cancelled', /cancelled/);
    // "Within one step" is asserted in trainer.test.ts, in steps; a wall-clock bound here would be a timed test.
    tc.diagnostic(`cancel answered in ${(performance.now() - cancelledAt).toFixed(0)} ms`);
    const total = t.progress.find((p) => p.jobId === jobId && p.phase === 'train')?.total ?? 0;
    assert.ok(stepAtCancel < total, 'it was cancelled mid-run');
    const { job } = await client.request('jobResult', { jobId });
    assert.equal(job.state, 'cancelled');
    assert.deepEqual(inspectStore(store), { artifacts: [], temporaries: [] }, 'nothing half-written');
  } finally {
    t.dispose();
  }
});

test('progress notifications are throttled to about four a second', async () => {
  const store = tempDir();
  const t = track();
  try {
    let jobId = '';
    const started = performance.now();
    await client.runJob('train', { store, ...LONG, config: { ...LONG.config, epochs: 2 } }, { onAccepted: (j) => (jobId = j.id) });
    const seconds = (performance.now() - started) / 1000;
    const mine = t.progress.filter((p) => p.jobId === jobId);
    assert.ok(mine.length >= 2, `only ${mine.length} progress notifications in ${seconds.toFixed(1)} s`);
    // At most one every 250 ms, plus the first and the final flush.
    assert.ok(mine.length <= Math.ceil(seconds * 4) + 2, `${mine.length} notifications in ${seconds.toFixed(2)} s`);
    const times = mine.map((p) => (p as Progress & { receivedAt: number }).receivedAt);
    const gaps = times.slice(1).map((x, i) => x - times[i]);
    const tooClose = gaps.filter((g) => g < 200).length;
    assert.ok(tooClose <= 2, `gaps: ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
    const fractions = mine.map((p) => p.fraction);
    assert.deepEqual(fractions, [...fractions].sort((a, b) => a - b), 'fraction never goes back');
    const last = mine.at(-1) as Progress;
    assert.equal(last.step, last.total);
  } finally {
    t.dispose();
  }
});

test('a cancelled ensemble keeps its finished groups, writes no ensemble artifact, and resumes from them', async () => {
  const store = tempDir();
  const t = track();
  try {
    // Enough groups, each long enough, that the cancel lands while some are still to run: with
    // 6 groups of 3 epochs, two wasm workers once finished them all before the cancel arrived.
    const models = 12;
    const recipe = { store, ...TINY, dataset: { trainSize: 200, valSize: 50 }, config: { ...TINY.config, epochs: 10 }, role: 'originals' as const, n: models, groupSize: 1 };
    const abort = new AbortController();
    let jobId = '';
    const run = client.runJob('trainEnsemble', recipe, { signal: abort.signal, onAccepted: (j) => (jobId = j.id) });
    await waitFor(() => t.progress.some((p) => p.jobId === jobId && (p.modelsDone ?? 0) >= 2), 30_000, 'two groups to finish');
    abort.abort();
    await rejectsWith(run, 'cancelled');
    const after = inspectStore(store);
    const groups = after.artifacts.filter((a) => a.startsWith('models/'));
    assert.ok(groups.length >= 2 && groups.length < models, `finished groups: ${after.artifacts.join(', ')}`);
    assert.ok(!after.artifacts.some((a) => a.startsWith('ensembles/')), 'no ensemble artifact before every group is done');
    const resumed = await client.runJob('trainEnsemble', recipe);
    const reused = resumed.groups.filter((g) => groups.includes(`models/${g.modelsKey}`));
    assert.equal(reused.length, groups.length, 'every finished group is reused');
    assert.equal(resumed.seeds.length, models);
    assert.equal(inspectStore(store).artifacts.filter((a) => a.startsWith('ensembles/')).length, 1);
  } finally {
    t.dispose();
  }
});
