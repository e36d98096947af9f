/**
 * Datamodels, unlearners and the cost-vs-KLoM comparison through the real engine: a tiny compare
 * with every row the compare panel draws, the per-point requests on one of its rows, datamodels
 * and unlearners on their own, cancellation, and params refused with the field at fault.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { decodeBytes, POINT_SPLITS, type ForgetSet, type JobResult, type Progress } from '../../src/protocol';
import type { EngineClient } from '../../src/extension/engine/client';
import { inspectStore, rejectsWith, removeTemps, startClient, tempDir, waitFor } from './harness';

let client: EngineClient;
let store: string;
let forgetSet: ForgetSet;
let compared: JobResult<'compare'> | undefined;

const RECIPE = {
  dataset: { trainSize: 200, valSize: 100 },
  model: { kind: 'mlp' as const, hidden: [16] },
  config: { lr: 0.05, batchSize: 32, epochs: 3 },
};
const DATAMODELS = { models: 40, groupSize: 20 };
const P = 300;

before(async () => {
  ({ client } = startClient());
  store = tempDir();
  ({ forgetSet } = await client.request('createForgetSet', { dataset: RECIPE.dataset, generator: { kind: 'random', k: 20, seed: 0 } }));
});

after(async () => {
  await client.stop();
  removeTemps();
});

const f64 = (b64: string) => new Float64Array(decodeBytes(b64).buffer);
const f32 = (b64: string) => new Float32Array(decodeBytes(b64).buffer);

function comparison(): JobResult<'compare'> {
  assert.ok(compared, 'the compare test ran first');
  return compared;
}

test('compare returns every method × budget row with finite KLoM, the reference rows and the exports, with phase progress', async () => {
  const progress: Progress[] = [];
  let jobId = '';
  const sub = client.onProgress((p) => void (p.jobId === jobId && progress.push(p)));
  try {
    compared = await client.runJob(
      'compare',
      {
        store,
        ...RECIPE,
        n: 3,
        forget: { set: forgetSet },
        methods: ['gd', 'om', 'dm-direct', 'dmm'],
        budgets: { gd: [1, 2], om: [1, 2], dmm: [1, 2] },
        settings: { om: { numOracles: 3 } },
        datamodels: DATAMODELS,
        preset: 'tiny',
      },
      { onAccepted: (j) => (jobId = j.id) },
    );
  } finally {
    sub.dispose();
  }
  const r = comparison();
  assert.deepEqual(
    r.rows.map((x) => x.id),
    ['gd@1', 'gd@2', 'om@1', 'om@2', 'dm-direct@0', 'dmm@1', 'dmm@2'],
  );
  for (const x of [...r.rows, r.doNothing, r.noiseFloor]) {
    assert.ok(Number.isFinite(x.headline.p99) && Number.isFinite(x.headline.p95), `${x.id}: ${JSON.stringify(x.headline)}`);
    for (const s of [x.forget, x.retain, x.validation]) assert.ok(s.p95 !== null && s.p99 !== null && s.mean !== null, x.id);
    assert.equal(x.nUnlearned, 3);
    assert.equal(x.nOracle, 3);
    assert.ok(x.accuracy.retain !== null && x.accuracy.validation !== null, x.id);
    assert.ok(x.cost >= 0);
  }
  assert.equal(r.forgetSize, 20);
  assert.equal(r.forgetSet, forgetSet.name);
  assert.equal(r.doNothing.kind, 'reference');
  assert.equal(r.noiseFloor.cost, 1);
  assert.ok(r.rows.every((x) => x.kind === 'unlearner'));
  const gd2 = r.rows.find((x) => x.id === 'gd@2');
  assert.ok(gd2 && gd2.steps > 0 && gd2.cost > 0 && gd2.cost < 1);
  assert.equal(r.rows.find((x) => x.id === 'om@1')?.presupposedRetrainings, 3);
  for (const id of ['dm-direct@0', 'dmm@1']) {
    const dm = r.rows.find((x) => x.id === id)?.datamodel;
    assert.ok(dm && dm.m === 40 && dm.lds !== null && dm.precomputeCost !== null && dm.precomputeCost > 0, `${id}: ${JSON.stringify(dm)}`);
  }
  assert.equal(r.rows.find((x) => x.id === 'gd@1')?.datamodel, null);
  assert.equal(r.n, 3);
  assert.equal(r.preset, 'tiny');
  assert.equal(r.unlearnPreset, 'workbench');
  assert.match(r.seeds.originals, /^0\.\.2$/);
  assert.ok(r.backend.length > 0);
  for (const f of Object.values(r.files)) assert.ok(existsSync(f), f);
  assert.ok(r.files.figure2Csv.startsWith(r.dir));

  // Every phase that reports is seen (a new phase goes out at once, whatever the throttle), in
  // the order they run; DM-Direct trains nothing and reports nothing.
  const phases = progress.map((p) => p.phase).filter((ph, i, a) => i === 0 || a[i - 1] !== ph);
  assert.deepEqual(phases, ['load-data', 'originals', 'oracles', 'floor', 'datamodels', 'gd', 'om', 'dmm']);
  const fractions = progress.map((p) => p.fraction);
  assert.deepEqual(fractions, [...fractions].sort((a, b) => a - b), 'the fraction never goes back');
});

test('perPointKlom and pointMargins answer for a row of the comparison', async () => {
  const r = comparison();
  const om = r.rows.find((x) => x.id === 'om@2');
  assert.ok(om);
  const pp = await client.request('perPointKlom', { store, comparison: r.key, method: 'om', budget: 2 });
  assert.equal(pp.points, P);
  assert.equal(pp.nTrain + pp.nVal, P);
  const klom = f64(pp.klom);
  const split = decodeBytes(pp.split);
  assert.equal(klom.length, P);
  assert.equal(split.length, P);
  assert.deepEqual(pp.forget, forgetSet.indices);
  const forgetCode = POINT_SPLITS.indexOf('forget');
  assert.equal(split.filter((s) => s === forgetCode).length, 20);
  assert.equal(split.filter((s) => s === POINT_SPLITS.indexOf('validation')).length, pp.nVal);
  assert.ok(klom.every((v) => Number.isFinite(v) && v >= 0));
  const forgetMean = pp.forget.reduce((a, i) => a + klom[i], 0) / pp.forget.length;
  assert.ok(Math.abs(forgetMean - (om.forget.mean ?? NaN)) < 1e-9, `forget mean ${forgetMean} vs row ${om.forget.mean}`);
  assert.equal(pp.row.id, 'om@2');

  // By the artifact's folder too; a method with one row needs no budget.
  const byDir = await client.request('perPointKlom', { store, comparison: r.dir, method: 'dm-direct' });
  assert.equal(f64(byDir.klom).length, P);

  const point = forgetSet.indices[0];
  const m = await client.request('pointMargins', { store, comparison: r.key, method: 'om', budget: 2, point });
  assert.equal(m.split, 'forget');
  assert.equal(f32(m.unlearned).length, 3);
  assert.equal(f32(m.oracle).length, 3);
  assert.equal(m.nUnlearned, 3);
  assert.ok(m.klom !== null && Math.abs(m.klom - klom[point]) < 1e-12);
  const ref = await client.request('pointMargins', { store, comparison: r.key, method: 'do-nothing', point: P - 1 });
  assert.equal(ref.split, 'validation');
  assert.equal(f32(ref.unlearned).length, 3);

  await rejectsWith(client.request('perPointKlom', { store, comparison: r.key, method: 'om' }), 'bad-config', /om has 2 budgets .*give "budget"/);
  await rejectsWith(client.request('perPointKlom', { store, comparison: r.key, method: 'ga' }), 'not-found', /no rows for method "ga"/);
  await rejectsWith(client.request('perPointKlom', { store, comparison: r.key, method: 'om', budget: 7 }), 'not-found', /no om row at 7 epochs \(its budgets: 1, 2\)/);
  await rejectsWith(client.request('pointMargins', { store, comparison: r.key, method: 'om', budget: 1, point: P }), 'bad-config', /point 300 is outside/);
  await rejectsWith(client.request('perPointKlom', { store, comparison: 'abc', method: 'om' }), 'not-found', /no complete comparison abc/);
});

test('estimateDatamodels reports LDS (reusing the subset models of the comparison) and the forget set\'s LDS when given one', async () => {
  const r = await client.runJob('estimateDatamodels', { store, ...RECIPE, ...DATAMODELS, forget: { set: forgetSet } });
  assert.equal(r.cached, true, 'the comparison built these datamodels already');
  assert.equal(r.key, comparison().datamodels?.key);
  assert.equal(r.m, 40);
  assert.equal(r.mFit + r.heldOut, 40);
  assert.ok(r.lds !== null && Math.abs(r.lds) <= 1, `lds ${r.lds}`);
  assert.ok(r.ldsForget !== null);
  assert.ok(r.precomputeCost !== null && r.precomputeCost > 0);
  assert.deepEqual(r.betaShape, [200, P, 10]);
});

test('runUnlearners returns per-model results for each method and budget', async () => {
  // A method may also come as { id, options }: its options amend the settings of its block.
  const params = { store, ...RECIPE, n: 3, forget: { set: forgetSet }, budgets: { gd: [1], ga: [1, 2] } };
  const r = await client.runJob('runUnlearners', { ...params, methods: ['gd', { id: 'ga', options: { lr: 0.002 } }] });
  assert.equal((r.settings.ga as { lr: number }).lr, 0.002);
  assert.deepEqual(r.methods.map((m) => [m.method, m.budgets.map((b) => b.epochs)]), [['gd', [1]], ['ga', [1, 2]]]);
  assert.equal(r.originals.key.length > 0, true);
  for (const m of r.methods) {
    for (const b of m.budgets) {
      assert.equal(b.models.length, 3);
      assert.deepEqual(b.models.map((x) => x.seed), [0, 1, 2]);
      for (const x of b.models) assert.ok(x.accuracy.retain !== null && x.accuracy.retain >= 0 && x.accuracy.retain <= 1);
      assert.ok(b.steps > 0 && b.cost > 0);
      assert.ok(existsSync(`${r.dir}/${b.marginsFile}`));
    }
  }
  const again = await client.runJob('runUnlearners', { ...params, methods: ['gd', 'ga'], settings: { ga: { lr: 0.002 } } });
  assert.equal(again.cached, true);
});

test('a compare cancelled mid-run leaves no comparison artifact', async () => {
  const before = inspectStore(store).artifacts.filter((a) => a.startsWith('comparisons/'));
  const progress: Progress[] = [];
  let jobId = '';
  const sub = client.onProgress((p) => void (p.jobId === jobId && progress.push(p)));
  const abort = new AbortController();
  try {
    const run = client.runJob(
      'compare',
      { store, ...RECIPE, n: 3, forget: { set: forgetSet }, methods: ['gd'], budgets: { gd: [300] }, settings: { gd: { batchSize: 4 } } },
      { signal: abort.signal, onAccepted: (j) => (jobId = j.id) },
    );
    await waitFor(() => progress.some((p) => p.phase === 'gd' && p.step > 0), 30_000, 'GD to start');
    abort.abort();
    await rejectsWith(run, 'cancelled');
  } finally {
    sub.dispose();
  }
  const afterCancel = inspectStore(store);
  assert.deepEqual(afterCancel.artifacts.filter((a) => a.startsWith('comparisons/')), before, 'no new comparison');
  assert.ok(!afterCancel.temporaries.some((t) => t.startsWith('comparisons/')), afterCancel.temporaries.join(', '));
});

test('bad params name the field at fault', async () => {
  const base = { store, ...RECIPE, n: 3, forget: { set: forgetSet } };
  const e1 = await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: ['gd', 'forgetify'] }), 'invalid-params', /methods\[1\]: unknown method "forgetify" \(known: gd, ga/);
  assert.deepEqual((e1 as unknown as { details: { issues: Array<{ path: string }> } }).details.issues.map((i) => i.path), ['methods[1]']);
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: [{ id: 'forgetify' }] }), 'invalid-params', /methods\[0\]: unknown method "forgetify"/);
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: [{ id: 'dm-direct', options: { lr: 1 } }] }), 'invalid-params', /methods\[0\]\.options: dm-direct has no settings/);
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: ['gd'], budgets: { gd: [2, 0] } }), 'invalid-params', /budgets\.gd\[1\]: a budget is a number of epochs and must be at least 1/);
  await rejectsWith(client.sendRaw('unlearn/runUnlearners', { ...base, methods: ['om'], budgets: { om: [-5] } }), 'invalid-params', /budgets\.om\[0\]: a budget is a number of epochs/);
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: ['gd'], budgets: { om: [5] } }), 'invalid-params', /budgets\.om: "om" is not among the methods/);
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: ['dm-direct'], budgets: { 'dm-direct': [5] } }), 'invalid-params', /budgets\.dm-direct: dm-direct trains no epochs/);
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: ['om'], settings: { om: { numOracle: 3 } } }), 'invalid-params', /settings\.om\.numOracle: om has no setting "numOracle"/);
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: ['om'], settings: { om: { lr: -1 } } }), 'invalid-params', /settings\.om\.lr: Too small/);
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: ['dmm-trak'] }), 'invalid-params', /methods\[0\]: dmm-trak: TRAK datamodels are not implemented yet/);
  await rejectsWith(client.sendRaw('unlearn/compare', { ...base, methods: [] }), 'invalid-params', /methods: /);
  await rejectsWith(client.sendRaw('unlearn/estimateDatamodels', { store, ...RECIPE, models: 40, estimator: 'elastic-net' }), 'invalid-params', /estimator: /);
  await rejectsWith(client.sendRaw('unlearn/pointMargins', { store, comparison: '../x', method: 'om', point: 0 }), 'invalid-params', /comparison: must be a comparison key or the absolute path/);
});
