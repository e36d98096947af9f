// Forget-set files: schema, validation messages, reading and writing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  forgetSetProblems,
  forgetSetToJson,
  makeForgetSet,
  parseForgetSet,
  readForgetSetFile,
  validateForgetSet,
  writeForgetSetFile,
  type ForgetSet,
} from '../../src/engine/forget/forget-set.js';
import { UnlearnError } from '../../src/engine/errors.js';

const ctx = { datasetId: 'fmnist-1k@abc123', nTrain: 1000 };
const base = (over: Partial<ForgetSet> = {}): ForgetSet => ({
  version: 1,
  name: 'random-10',
  datasetId: ctx.datasetId,
  indices: [3, 5, 99, 999],
  kind: 'random',
  params: { k: 4 },
  seed: 7,
  createdAt: '2026-11-29T10:00:00.000Z',
  ...over,
});
const rejects = (fs: ForgetSet, re: RegExp): void =>
  assert.throws(() => validateForgetSet(fs, ctx), (e: unknown) => e instanceof UnlearnError && e.code === 'bad-forget-set' && re.test(e.message), re.source);

test('a good forget set passes', () => {
  assert.deepEqual(forgetSetProblems(base(), ctx), []);
  assert.equal(validateForgetSet(base(), ctx).name, 'random-10');
});

test('index out of range names the index and the valid range', () => {
  rejects(base({ indices: [3, 1000] }), /index 1000 is out of range; training indices run from 0 to 999/);
  rejects(base({ indices: [1000, 1001, 1002, 1003, 1004, 1005, 1006] }), /indices 1000, 1001, 1002, 1003, 1004 and 2 more are out of range/);
});

test('duplicates, unsorted, empty, whole training set', () => {
  rejects(base({ indices: [3, 5, 5, 7] }), /index 5 appear more than once/);
  rejects(base({ indices: [3, 9, 5] }), /sorted ascending, but position 2 holds 5 after 9/);
  rejects(base({ indices: [] }), /is empty/);
  const all = Array.from({ length: 1000 }, (_, i) => i);
  rejects(base({ indices: all }), /contains the whole training set \(1000 points\)/);
});

test('a set made for another dataset names both datasets', () => {
  rejects(base({ datasetId: 'cifar10@ffff' }), /made for dataset 'cifar10@ffff', not for 'fmnist-1k@abc123'/);
});

test('several problems are reported together', () => {
  const p = forgetSetProblems(base({ datasetId: 'other', indices: [7, 7, 2000] }), ctx);
  assert.equal(p.length, 3);
});

test('parse reports the file and the fault', () => {
  assert.throws(() => parseForgetSet('{ nope', 'sets/a.json'), (e: unknown) => e instanceof UnlearnError && e.code === 'bad-file' && /^sets\/a\.json: not valid JSON/.test(e.message));
  const wrong = JSON.stringify({ ...base(), kind: 'sideways', indices: [1, 2.5] });
  assert.throws(
    () => parseForgetSet(wrong, 'sets/b.json'),
    (e: unknown) => e instanceof UnlearnError && /^sets\/b\.json: not a valid forget set: /.test(e.message) && /indices\.1/.test(e.message) && /kind/.test(e.message),
  );
  assert.throws(() => parseForgetSet(JSON.stringify({ ...base(), version: 2 }), 'c.json'), /c\.json: .*version/);
  assert.throws(() => parseForgetSet(JSON.stringify({ ...base(), createdAt: 'yesterday' }), 'd.json'), /d\.json: .*createdAt/);
});

test('unknown parameters survive a round trip', () => {
  const fs = base({ params: { k: 4, space: 'embedding', modelId: 'orig-3', future: 'kept' } });
  const back = parseForgetSet(forgetSetToJson(fs), 'x.json');
  assert.deepEqual(back, fs);
});

test('write through the caller’s writer, read back; refuses to save an unusable set', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'forget-set-'));
  try {
    const file = join(dir, 'f.json');
    const fs = makeForgetSet({ name: 'nn', datasetId: ctx.datasetId, kind: 'nearest-neighbours', indices: [9, 2, 2, 4], params: { k: 3, anchor: 2, space: 'pixel' }, createdAt: new Date('2026-11-29T00:00:00Z') });
    assert.deepEqual(fs.indices, [2, 4, 9]);
    assert.equal(fs.seed, undefined);
    await writeForgetSetFile(file, fs, ctx, (f, c) => writeFile(f, c));
    const text = readFileSync(file, 'utf8');
    assert.match(text, /"indices": \[2,4,9\]\n}\n$/);
    assert.deepEqual(await readForgetSetFile(file), fs);
    await assert.rejects(writeForgetSetFile(file, { ...fs, indices: [5000] }, ctx, (f, c) => writeFile(f, c)), /out of range/);
    assert.deepEqual(await readForgetSetFile(file), fs);
    await assert.rejects(readForgetSetFile(join(dir, 'missing.json')), (e: unknown) => e instanceof UnlearnError && e.code === 'not-found');
    writeFileSync(file, '[]');
    await assert.rejects(readForgetSetFile(file), (e: unknown) => e instanceof UnlearnError && e.message.startsWith(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
