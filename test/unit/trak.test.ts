import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend/select';
import { DATAMODELS_KIND, readLdsPerTarget } from '../../src/engine/attribution/datamodels';
import { readBetaRows } from '../../src/engine/attribution/beta-file';
import { buildTrakDatamodels, type TrakManifest } from '../../src/engine/attribution/trak';
import { compareUnlearners } from '../../src/engine/recipes/compare';
import { trainEnsembleArtifact } from '../../src/engine/recipes/ensemble';
import { Store } from '../../src/engine/store/store';
import { parseTrainConfig } from '../../src/engine/train/config';
import { syntheticDataset, tinyCompareRequest } from '../helpers/synthetic';

const config = parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: 8 });

test('TRAK end to end on synthetic data: β in the datamodels layout and reader, positive LDS on held-out subset models, cached', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-trak-')));
  const dataset = syntheticDataset('synthetic-trak', 60, 30);
  const model = { kind: 'mlp' as const, hidden: [8] };
  const originals = await trainEnsembleArtifact({ dataset, model, config, role: 'originals', count: 3, groupSize: 3 }, store, { workers: 1 });
  const req = { dataset, model, config, originals, models: 3, k: 64, lambda: 0.01, heldOut: 24, blockColumns: 24 };
  const r = await buildTrakDatamodels(req, store);
  assert.equal(r.cached, false);
  const m: TrakManifest = r.manifest;
  assert.equal(m.estimator, 'trak');
  assert.deepEqual(m.modelSeeds, [0, 1, 2]);
  assert.equal(m.quality.heldOut, 24);
  assert.ok(m.quality.lds > 0.1, `TRAK LDS ${m.quality.lds} on held-out subset models`);
  assert.ok(m.scale > 0 && Number.isFinite(m.scale));
  assert.ok(Math.abs(m.quality.slope - 1) < 0.2, `after scaling the slope is near 1: ${m.quality.slope}`);
  assert.ok(m.precomputeParts.features > 0 && m.precomputeParts.heldOutTraining > 0);
  const b = readBetaRows(r.dir, [0]);
  assert.deepEqual([b.n, b.P, b.C], [60, 90, 3]);
  assert.equal(readLdsPerTarget(store, r.key).length, 90);
  assert.ok(store.has(DATAMODELS_KIND, r.key));
  assert.equal((await buildTrakDatamodels(req, store)).cached, true);
  await assert.rejects(buildTrakDatamodels({ ...req, models: 4 }, store), /T = 4 originals but the ensemble has 3/);
  await assert.rejects(buildTrakDatamodels({ ...req, model: { kind: 'cnn', channels: [4, 4] } }, store), /TRAK is implemented for mlp and logreg models only/);
});

test('compare runs dm-direct-trak and dmm-trak beside the regression datamodels, both LDS on the same held-out models', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-cmp-trak-')));
  const r = await compareUnlearners(
    tinyCompareRequest('synthetic-cmp-trak', {
      groupSize: 3,
      methods: ['dm-direct', 'dmm', 'dm-direct-trak', 'dmm-trak'],
      overrides: { dmm: { budgets: [1, 2] } },
      datamodels: { m: 16, heldOut: 4, groupSize: 8 },
      trak: { models: 2, k: 32 },
    }),
    store,
  );
  const labels = r.rows.map((x) => `${x.method}@${x.epochs}`);
  for (const l of ['dm-direct@0', 'dm-direct-trak@0', 'dmm@1', 'dmm@2', 'dmm-trak@1', 'dmm-trak@2']) assert.ok(labels.includes(l), `${l} in ${labels.join(' ')}`);
  assert.ok(r.datamodels && r.trak);
  assert.equal(r.trak.estimator, 'trak');
  assert.equal(r.trak.m, 2);
  assert.equal(r.trak.heldOut, r.datamodels.heldOut, 'TRAK measured on the regression datamodels\' held-out models');
  const tm = store.readManifest<TrakManifest>(DATAMODELS_KIND, r.trak.key);
  assert.equal(tm?.heldOutSource.kind, 'datamodels');
  assert.equal(tm?.heldOutSource.key, r.datamodels.key);
  const dmmTrak = r.rows.find((x) => x.method === 'dmm-trak');
  assert.equal(dmmTrak?.datamodel?.key, r.trak.key);
  assert.equal(r.rows.find((x) => x.method === 'dmm')?.datamodel?.key, r.datamodels.key);
  for (const x of r.rows) assert.ok(Number.isFinite(x.summary.headline.p99), `${x.method}@${x.epochs}`);
  // TRAK alone: the recipe's stored regression datamodels still give the held-out models;
  // in a store without them, TRAK trains its own.
  const alone = (st: Store) =>
    compareUnlearners(tinyCompareRequest('synthetic-cmp-trak', { groupSize: 3, methods: ['dm-direct-trak'], trak: { models: 2, k: 32, heldOut: 5 } }), st);
  const reused = await alone(store);
  assert.equal(reused.datamodels, undefined);
  assert.equal(reused.trak?.key, r.trak.key, 'same held-out source, same TRAK artifact');
  const fresh = await alone(new Store(mkdtempSync(join(tmpdir(), 'uw-cmp-trak-'))));
  assert.equal(fresh.trak?.heldOut, 5);
});
