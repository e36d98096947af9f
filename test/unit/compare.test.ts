import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend/select';
import { compareUnlearners, meanOracleTargets, type CompareRequest } from '../../src/engine/recipes/compare';
import { Store } from '../../src/engine/store/store';
import { tinyCompareRequest } from '../helpers/synthetic';

function request(): CompareRequest {
  return tinyCompareRequest('synthetic-cmp', {
    methods: ['gd', 'ga', 'gdga', 'neggrad-plus', 'scrub', 'om', 'om-pm', 'dm-direct', 'dmm'],
    overrides: {
      gd: { budgets: [1, 2, 3] },
      ga: { budgets: [1, 2, 3], lr: 1e30 },
      gdga: { budgets: [1, 2, 3] },
      'neggrad-plus': { budgets: [1, 2, 3] },
      scrub: { budgets: [1, 2, 3] },
      om: { budgets: [1, 2, 3], numOracles: 2 },
      dmm: { budgets: [1, 2, 3] },
    },
    datamodels: { m: 16, heldOut: 4, groupSize: 8 },
  });
}

test('OM targets are the mean of the first k oracles given (the noise-floor set)', () => {
  const P = 3;
  const nT = 2;
  const C = 2;
  // Two oracles: logits 1..12 and 13..24 over [P × C]; the validation point (row 2) is not a target.
  const logits = Float32Array.from({ length: 2 * P * C }, (_, i) => i + 1);
  assert.deepEqual(Array.from(meanOracleTargets(logits, 2, P, nT, C)), [4, 5, 6, 7]);
  assert.deepEqual(Array.from(meanOracleTargets(logits, 1, P, nT, C)), [1, 2, 3, 4]);
});

test('compare writes every method × budget, the references, datamodel quality and the Figure 2 export', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-cmp-')));
  const r = await compareUnlearners(request(), store);
  const labels = r.rows.map((x) => `${x.method}@${x.epochs}`);
  for (const m of ['gd', 'ga', 'gdga', 'neggrad-plus', 'scrub', 'om', 'om-pm', 'dmm']) for (const e of [1, 2, 3]) assert.ok(labels.includes(`${m}@${e}`), `${m}@${e} in ${labels.join(' ')}`);
  assert.ok(labels.includes('dm-direct@0'));
  assert.ok(labels.includes('do-nothing@0'));
  assert.ok(r.rows.some((x) => x.method === 'noise-floor'));
  assert.equal(r.rows.length, 2 + 8 * 3 + 1);
  for (const x of r.rows) {
    assert.ok(existsSync(join(r.dir, x.klomFile)), x.klomFile);
    assert.equal(x.nUnlearned, 3);
    assert.ok(Number.isFinite(x.summary.headline.p99));
  }
  // GA at lr 1e30 blows up: reported, scored, not thrown.
  const ga = r.rows.filter((x) => x.method === 'ga');
  assert.ok(ga.some((x) => x.diverged && x.divergedModels.length > 0), 'GA diverged');
  // OM's targets come from the noise-floor oracles, never the evaluation oracles.
  const om = r.rows.find((x) => x.method === 'om');
  assert.ok(om?.targetsFrom);
  assert.equal(om?.presupposedRetrainings, 2);
  const dmm = r.rows.find((x) => x.method === 'dmm');
  assert.equal(dmm?.datamodel?.m, 16);
  assert.ok(Number.isFinite(dmm?.datamodel?.lds));
  assert.ok(r.datamodels && r.datamodels.precomputeCost > 0);
  // KLoM scoring is timed apart (the peer benchmark's evaluation phase), and is part of the run.
  const phases = Object.entries(r.seconds).filter(([k]) => k !== 'klom' && k !== 'datamodels').reduce((a, [, v]) => a + v, 0);
  assert.ok(r.seconds.klom > 0 && r.seconds.klom < phases, JSON.stringify(r.seconds));
  const gd3 = r.rows.find((x) => x.method === 'gd' && x.epochs === 3);
  assert.equal(gd3?.cost.fraction, 1, 'GD for as many epochs as training, on R: cost 1');
  const fig = readFileSync(join(r.dir, 'figure2.csv'), 'utf8').trim().split('\n');
  assert.equal(fig[0], 'method,label,epochs,steps,cost,avg_p99,avg_p95,diverged,N');
  assert.equal(fig.length, 1 + r.rows.length);
  assert.ok(existsSync(join(r.dir, 'summary.csv')));
  assert.ok(existsSync(join(r.dir, 'figure2.json')));
  const again = await compareUnlearners(request(), store);
  assert.equal(again.cached, true);
  assert.equal(again.rows.length, r.rows.length);
  assert.notEqual(om?.targetsFrom, store.list('ensembles').find((e) => e.role === 'oracles')?.key);
  assert.equal(om?.targetsFrom, store.list('ensembles').find((e) => e.role === 'oracles-floor')?.key);
});

test('compare refuses OM with more target oracles than the noise-floor set holds', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-cmp-')));
  await assert.rejects(compareUnlearners({ ...request(), methods: ['om'], overrides: { om: { numOracles: 10 } } }, store), /noise-floor set has 3/);
});
