import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend/select';
import { COMPARISONS_KIND, compareUnlearners, type CompareRequest, type CompareResult } from '../../src/engine/recipes/compare';
import { Store } from '../../src/engine/store/store';
import { parseTrainConfig } from '../../src/engine/train/config';
import { UNLEARNED_GROUPS_KIND, unlearnGroupKey, type UnlearnGroupJob } from '../../src/engine/unlearn/group';
import { resolveMethodSettings } from '../../src/engine/unlearn/settings';
import { syntheticDataset, tinyCompareRequest } from '../helpers/synthetic';

// n = 3 originals in groups of 2: two groups per method, so two workers run side by side.
function request(): CompareRequest {
  return tinyCompareRequest('synthetic-cmp-pool', {
    methods: ['gd', 'scrub', 'om', 'om-pm', 'dm-direct', 'dmm'],
    overrides: {
      gd: { budgets: [1, 2] },
      scrub: { budgets: [1, 2] },
      om: { budgets: [1, 2], numOracles: 2 },
      dmm: { budgets: [1, 2] },
    },
    datamodels: { m: 16, heldOut: 4, groupSize: 8 },
  });
}

const perPointFiles = (r: CompareResult) => r.rows.flatMap((x) => [x.klomFile, x.klomFile.replace(/^klom\//, 'margins/')]).filter((f) => existsSync(join(r.dir, f)));
const withoutTimes = (r: CompareResult) => r.rows.map(({ seconds: _s, ...rest }) => rest);
const groupsIn = (store: Store) => (existsSync(join(store.root, UNLEARNED_GROUPS_KIND)) ? readdirSync(join(store.root, UNLEARNED_GROUPS_KIND)) : []);

function forgetMethods(store: Store, r: CompareResult): void {
  store.remove(COMPARISONS_KIND, r.key);
  rmSync(join(store.root, UNLEARNED_GROUPS_KIND), { recursive: true, force: true });
}

test('methods run in two worker processes give the same bytes as in one process; progress reaches the caller', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-cmp-pool-')));
  const one = await compareUnlearners(request(), store, { workers: 1 });
  const bytes = new Map(perPointFiles(one).map((f) => [f, readFileSync(join(one.dir, f))]));
  assert.ok(bytes.size >= 12, `per-point files: ${[...bytes.keys()].join(', ')}`);
  // 5 trained methods × 2 groups, one artifact each.
  assert.equal(groupsIn(store).length, 10);

  forgetMethods(store, one);
  const seen = new Map<string, number[]>();
  const two = await compareUnlearners(request(), store, {
    workers: 2,
    onProgress: (p) => {
      if (p.phase.startsWith('references') || p.phase.startsWith('datamodels')) return;
      seen.set(p.phase, [...(seen.get(p.phase) ?? []), p.modelsDone]);
      assert.equal(p.modelsTotal, 3);
    },
  });
  assert.equal(two.key, one.key);
  assert.equal(two.cached, false);
  for (const [f, b] of bytes) assert.deepEqual(readFileSync(join(two.dir, f)), b, f);
  assert.deepEqual(withoutTimes(two), withoutTimes(one));
  for (const label of ['GD', 'SCRUB', 'OM', 'OM (per-model)', 'DMM']) {
    const done = seen.get(label);
    assert.ok(done && done.length > 0, `progress of ${label}: ${[...seen.keys()].join(', ')}`);
    assert.ok(done.every((d, i) => d >= (done[i - 1] ?? 0) && d <= 3), `${label}: models done never go back`);
  }
});

test('a comparison cancelled during a method leaves whole groups only, and the rerun resumes from them', async () => {
  await initBackend();
  const store = new Store(mkdtempSync(join(tmpdir(), 'uw-cmp-pool-cancel-')));
  const whole = await compareUnlearners(request(), store, { workers: 1 });
  const bytes = new Map(perPointFiles(whole).map((f) => [f, readFileSync(join(whole.dir, f))]));
  forgetMethods(store, whole);

  const ac = new AbortController();
  await assert.rejects(
    compareUnlearners(request(), store, {
      workers: 2,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'OM') ac.abort();
      },
    }),
    /cancelled/,
  );
  assert.equal(store.has(COMPARISONS_KIND, whole.key), false, 'no comparison is stored');
  const kept = groupsIn(store);
  assert.ok(kept.length >= 4 && kept.length < 10, `GD and SCRUB groups kept, not all: ${kept.length}`);
  for (const k of kept) {
    assert.ok(!k.startsWith('.'), `no temporary left behind: ${k}`);
    assert.ok(store.has(UNLEARNED_GROUPS_KIND, k), `${k} is whole`);
  }
  const before = new Map(kept.map((k) => [k, readFileSync(join(store.dir(UNLEARNED_GROUPS_KIND, k), 'manifest.json'), 'utf8')]));

  const resumed = await compareUnlearners(request(), store, { workers: 2 });
  assert.equal(resumed.key, whole.key);
  for (const [k, m] of before) assert.equal(readFileSync(join(store.dir(UNLEARNED_GROUPS_KIND, k), 'manifest.json'), 'utf8'), m, `${k} reused, not rerun`);
  assert.equal(groupsIn(store).length, 10);
  for (const [f, b] of bytes) assert.deepEqual(readFileSync(join(resumed.dir, f)), b, f);
});

test("a method's stored groups are keyed by its own settings only: another method's change reruns nothing", () => {
  const job = (overrides: Parameters<typeof resolveMethodSettings>[1], method = 'gd'): UnlearnGroupJob => ({
    dataset: syntheticDataset('synthetic-key', 12, 4),
    model: { kind: 'mlp', hidden: [4] },
    config: parseTrainConfig({ lr: 0.05, batchSize: 4, epochs: 2 }),
    method,
    settings: resolveMethodSettings('workbench', overrides),
    forget: Int32Array.from([1, 3]),
    group: { seeds: [0, 1], modelsKey: 'models-key' },
  });
  const base = unlearnGroupKey(job({}), 'wasm');
  assert.equal(unlearnGroupKey(job({ om: { lr: 0.5 }, dmm: { budgets: [7] } }), 'wasm'), base, 'OM and DMM settings do not touch GD groups');
  assert.notEqual(unlearnGroupKey(job({ gd: { lr: 0.5 } }), 'wasm'), base, "GD's own learning rate does");
  assert.notEqual(unlearnGroupKey(job({ om: { lr: 0.5 } }, 'om-pm'), 'wasm'), unlearnGroupKey(job({}, 'om-pm'), 'wasm'), 'per-model OM runs on the OM settings');
});
