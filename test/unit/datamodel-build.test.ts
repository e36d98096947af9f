import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend/select';
import { BETA_FILE, readBetaRows, sumBetaRows } from '../../src/engine/attribution/beta-file';
import { buildDatamodels, DATAMODELS_KIND, DEFAULT_LAMBDA_GRID, subsetMask, SUBSET_MODELS_KIND } from '../../src/engine/attribution/datamodels';
import { DEFAULT_LASSO_GRID, sumRows } from '../../src/engine/attribution/estimators';
import { decodeNpy } from '../../src/engine/store/npy';
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
  const b = readBetaRows(r.dir, [0]);
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

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

test('β streamed in blocks: identical bytes for any block size, a valid .npy, rows read exactly', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-dm-blocks-')));
  // D = (150 + 150) points × 3 classes = 900 columns: several 256-column tiles.
  const big = { ...req(), dataset: syntheticDataset('synthetic-dm-blocks', 150, 150) };
  for (const estimator of ['ridge', 'lasso'] as const) {
    const wide = await buildDatamodels({ ...big, estimator, blockColumns: 4096 }, store);
    const bytesWide = readFileSync(join(wide.dir, BETA_FILE));
    store.remove(DATAMODELS_KIND, wide.key);
    const narrow = await buildDatamodels({ ...big, estimator, blockColumns: 256 }, store);
    assert.equal(narrow.key, wide.key, 'the block size is not part of the key');
    assert.equal(narrow.cached, false);
    const bytesNarrow = readFileSync(join(narrow.dir, BETA_FILE));
    assert.ok(bytesNarrow.equals(bytesWide), `${estimator}: β bytes differ between block sizes`);
    assert.deepEqual(narrow.manifest.quality, wide.manifest.quality);
    // λ (auto) is the grid value with the best held-out LDS.
    const search = narrow.manifest.lambdaSearch;
    assert.deepEqual(search.map((e) => e.lambda), estimator === 'lasso' ? DEFAULT_LASSO_GRID : DEFAULT_LAMBDA_GRID);
    const best = search.reduce((a, e) => (e.lds > a.lds ? e : a));
    assert.equal(narrow.manifest.lambda, best.lambda);
    assert.ok(search.some((e) => e.lds !== best.lds), 'the grid values score differently');
    const whole = decodeNpy(bytesNarrow, BETA_FILE);
    assert.deepEqual(whole.shape, [150, 300, 3]);
    const beta = whole.data as Float32Array;
    const D = 900;
    assert.ok(beta.some((v) => v !== 0));
    const idx = [149, 0, 7, 7, 88];
    const rows = readBetaRows(narrow.dir, idx);
    assert.deepEqual(Array.from(rows.rows), idx.flatMap((i) => Array.from(beta.subarray(i * D, (i + 1) * D))));
    assert.deepEqual(Array.from(sumBetaRows(narrow.dir, idx)), Array.from(sumRows(beta, D, idx)));
    assert.throws(() => readBetaRows(narrow.dir, [150]), /out of range/);
    if (hasNumpy) {
      const py = spawnSync('python3', ['-c', `import numpy as np; a = np.load(${JSON.stringify(join(narrow.dir, BETA_FILE))}); print(a.dtype, a.shape, float(a[7].astype('float64').sum()))`], { encoding: 'utf8' });
      assert.equal(py.status, 0, py.stderr);
      const [dtype, ...rest] = py.stdout.trim().split(' ');
      assert.equal(dtype, 'float32');
      assert.ok(rest.join(' ').startsWith('(150, 300, 3)'), py.stdout);
      const sum7 = Number(rest[rest.length - 1]);
      const own = beta.subarray(7 * D, 8 * D).reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(sum7 - own) <= 1e-6 * Math.max(1, Math.abs(own)), `numpy row sum ${sum7} vs ${own}`);
    }
  }
  assert.deepEqual(readdirSync(join(store.root, DATAMODELS_KIND)).filter((f) => f.startsWith('.')), [], 'no temporary β left behind');
});
