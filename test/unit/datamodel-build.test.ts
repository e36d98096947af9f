import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend/select';
import { buildDatamodels, DATAMODELS_KIND, readBeta, subsetMask, SUBSET_MODELS_KIND } from '../../src/engine/attribution/datamodels';
import { Store } from '../../src/engine/store/store';
import { parseTrainConfig } from '../../src/engine/train/config';
import { syntheticDataset } from '../helpers/synthetic';

const req = () => ({ dataset: syntheticDataset('synthetic-dm', 40, 20), model: { kind: 'mlp' as const, hidden: [8] }, config: parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: 3 }), m: 24, heldOut: 6, groupSize: 8 });

test('subset masks: α·n points drawn from the seed', () => {
  const a = subsetMask(3, 40, 0.5);
  assert.equal(a.length, 20);
  assert.deepEqual(subsetMask(3, 40, 0.5), a);
  assert.notDeepEqual(subsetMask(4, 40, 0.5), a);
});

test('datamodels: trained in resumable groups, β stored [n × P × C], LDS reported, reused when cached', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-dm-')));
  const ac = new AbortController();
  await assert.rejects(buildDatamodels(req(), store, { workers: 1, signal: ac.signal, onProgress: (p) => { if (p.modelsDone >= 8) ac.abort(); } }), /cancelled/);
  assert.equal(store.list(SUBSET_MODELS_KIND).length, 1, 'the first group survived');
  const r = await buildDatamodels(req(), store);
  assert.equal(r.cached, false);
  assert.equal(store.list(SUBSET_MODELS_KIND).length, 3);
  const b = readBeta(store, r.key);
  assert.deepEqual([b.n, b.P, b.C], [40, 60, 3]);
  assert.equal(r.manifest.mFit, 18);
  assert.ok(Number.isFinite(r.manifest.quality.lds));
  assert.ok(r.manifest.lambdaSearch.length > 1);
  const masks = store.readArray(DATAMODELS_KIND, r.key, 'masks.npy');
  assert.deepEqual(masks.shape, [24, 40]);
  assert.equal(masks.dtype, 'uint8');
  assert.equal((await buildDatamodels(req(), store)).cached, true);
  const dm = await buildDatamodels({ ...req(), estimator: 'diff-means' }, store);
  assert.notEqual(dm.key, r.key);
  assert.equal(store.list(SUBSET_MODELS_KIND).length, 3, 'another estimator reuses the subset models');
  await assert.rejects(buildDatamodels({ ...req(), m: 4, heldOut: 3 }, store), /held-out/);
});

test('subset-model groups trained in two worker processes give the same bytes as one process', async () => {
  await initBackend();
  const one = new Store(mkdtempSync(join(tmpdir(), 'uw-dm-')));
  const two = new Store(mkdtempSync(join(tmpdir(), 'uw-dm-')));
  const seen: number[] = [];
  const a = await buildDatamodels(req(), one, { workers: 1 });
  const c = await buildDatamodels(req(), two, { workers: 2, onProgress: (p) => seen.push(p.modelsDone) });
  assert.equal(c.key, a.key);
  assert.ok(seen.length > 0 && seen.every((d, i) => d >= (seen[i - 1] ?? 0)), 'models done never go back');
  for (const f of ['masks.npy', 'logits.npy', 'beta.npy']) assert.deepEqual(readFileSync(join(c.dir, f)), readFileSync(join(a.dir, f)), f);
});
