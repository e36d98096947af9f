import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend/select';
import { ENSEMBLES_KIND, readEnsembleMargins, trainEnsembleArtifact, type EnsembleRequest } from '../../src/engine/recipes/ensemble';
import { MODELS_KIND } from '../../src/engine/recipes/train-models';
import { Store } from '../../src/engine/store/store';
import { parseTrainConfig } from '../../src/engine/train/config';
import { syntheticDataset } from '../helpers/synthetic';

const base = (): EnsembleRequest => ({
  dataset: syntheticDataset('synthetic-test', 60, 30),
  model: { kind: 'mlp', hidden: [8] },
  config: parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: 3 }),
  role: 'originals',
  count: 6,
  groupSize: 2,
});

test('a killed-and-resumed ensemble equals an uninterrupted one, byte for byte', async () => {
  await initBackend();
  const whole = new Store(mkdtempSync(join(tmpdir(), 'uw-ens-')));
  const ref = await trainEnsembleArtifact(base(), whole, { workers: 1 });
  assert.equal(ref.cached, false);

  const resumed = new Store(mkdtempSync(join(tmpdir(), 'uw-ens-')));
  const ac = new AbortController();
  await assert.rejects(
    // One process, so the interruption lands deterministically after the first group.
    trainEnsembleArtifact(base(), resumed, { workers: 1, signal: ac.signal, onProgress: (p) => { if (p.modelsDone >= 2) ac.abort(); } }),
    /cancelled/,
  );
  // The first group survived the interruption; no ensemble artifact was written.
  assert.equal(resumed.list(MODELS_KIND).length, 1);
  assert.equal(resumed.list(ENSEMBLES_KIND).length, 0);
  const again = await trainEnsembleArtifact(base(), resumed);
  assert.equal(again.key, ref.key);
  assert.deepEqual(readFileSync(join(again.dir, 'margins.npy')), readFileSync(join(ref.dir, 'margins.npy')));
  assert.equal(resumed.list(MODELS_KIND).length, 3);

  const cached = await trainEnsembleArtifact(base(), resumed);
  assert.equal(cached.cached, true);
  assert.deepEqual(readdirSync(join(resumed.root, MODELS_KIND)).filter((n) => n.includes('.tmp-')), []);
});

test('oracles train on the retain set with seeds disjoint from the originals', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-ens-')));
  const forget = { name: 'f', indices: Int32Array.from([1, 5, 9]) };
  const orig = await trainEnsembleArtifact({ ...base(), count: 2 }, store);
  const orac = await trainEnsembleArtifact({ ...base(), count: 2, role: 'oracles', forget }, store);
  assert.notEqual(orig.key, orac.key);
  assert.deepEqual(orac.manifest.forget, { name: 'f', indexSet: orac.manifest.forget?.indexSet, size: 3 });
  assert.ok(orac.manifest.seeds.every((s) => !orig.manifest.seeds.includes(s)));
  const group = store.readManifest(MODELS_KIND, orac.manifest.groups[0].modelsKey);
  assert.deepEqual((group as unknown as { trainedOn: { count: number } }).trainedOn.count, 57);
  const m = readEnsembleMargins(store, orac.key);
  assert.equal(m.models, 2);
  assert.equal(m.points, 90);
});

test('bad forget sets for oracles are refused with a clear message', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-ens-')));
  const req = (indices: number[]) => trainEnsembleArtifact({ ...base(), role: 'oracles', forget: { name: 'bad', indices: Int32Array.from(indices) } }, store);
  await assert.rejects(req([]), /empty/);
  await assert.rejects(req([3, 60]), /index 60 is outside the training set 0\.\.59/);
  await assert.rejects(req([4, 4]), /sorted and unique/);
  await assert.rejects(req(Array.from({ length: 60 }, (_, i) => i)), /every training point/);
  await assert.rejects(trainEnsembleArtifact({ ...base(), role: 'oracles' }, store), /needs a forget set/);
});

test('groups trained in two worker processes give the same bytes as one process', async () => {
  const b = await initBackend();
  const one = new Store(mkdtempSync(join(tmpdir(), 'uw-ens-')));
  const two = new Store(mkdtempSync(join(tmpdir(), 'uw-ens-')));
  const a = await trainEnsembleArtifact(base(), one, { workers: 1 });
  const c = await trainEnsembleArtifact(base(), two, { workers: 2 });
  assert.equal(c.manifest.workers, 2, `backend ${b.name}`);
  assert.deepEqual(readFileSync(join(c.dir, 'margins.npy')), readFileSync(join(a.dir, 'margins.npy')));
  assert.deepEqual(readFileSync(join(c.dir, 'logits.npy')), readFileSync(join(a.dir, 'logits.npy')));
});
