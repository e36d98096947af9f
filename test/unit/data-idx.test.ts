import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadIdx } from '../../src/engine/data/idx';
import { UnlearnError } from '../../src/engine/errors';
import { idxBytes, meanStd, rejectsBadFile, rejectsWith, tempDir, tinyIdx, write, writeIdxSet } from '../fixtures/data/writers';

test('idx: plain and gzipped sets load the same points, with the same id', async () => {
  const set = tinyIdx(10, 4);
  const plain = tempDir();
  const gz = tempDir();
  writeIdxSet(plain, set);
  writeIdxSet(gz, set, 4, 3, true);
  const a = await loadIdx(plain, { name: 'tiny' });
  const b = await loadIdx(gz, { name: 'tiny' });
  assert.equal(a.id, b.id);
  assert.match(a.id, /^tiny-[0-9a-f]{12}$/);
  assert.deepEqual(a.inputShape, [4, 3, 1]);
  assert.equal(a.format, 'idx');
  assert.equal(a.train.n, 10);
  assert.equal(a.validation.n, 4);
  assert.deepEqual(Array.from(a.train.y), Array.from(set.trainLabels));
  assert.deepEqual(Array.from(a.validation.y), Array.from(set.testLabels));
  assert.deepEqual(Array.from(a.train.pixels ?? []), Array.from(set.trainImages));
  assert.deepEqual(Array.from(b.validation.pixels ?? []), Array.from(set.testImages));
  assert.deepEqual(a.classNames, ['0', '1', '2']);
});

test('idx: x = (raw/255 − mean)/std with the training split statistics', async () => {
  const dir = tempDir();
  const set = tinyIdx(10, 4);
  writeIdxSet(dir, set);
  const d = await loadIdx(dir);
  const ref = meanStd(Array.from(set.trainImages, (v) => v / 255));
  assert.equal(d.normalisation.scale, 255);
  assert.ok(Math.abs(d.normalisation.mean[0] - ref.mean) < 1e-12);
  assert.ok(Math.abs(d.normalisation.std[0] - ref.std) < 1e-12);
  const t = meanStd(d.train.x);
  assert.ok(Math.abs(t.mean) < 1e-5 && Math.abs(t.std - 1) < 1e-5);
  const expected = (set.testImages[7] / 255 - ref.mean) / ref.std;
  assert.ok(Math.abs(d.validation.x[7] - expected) < 1e-5);
});

test('idx: trainSize/valSize keep the first n points and change the id', async () => {
  const dir = tempDir();
  const set = tinyIdx(10, 4);
  writeIdxSet(dir, set);
  const full = await loadIdx(dir);
  const cut = await loadIdx(dir, { trainSize: 6, valSize: 2 });
  assert.equal(cut.train.n, 6);
  assert.equal(cut.validation.n, 2);
  assert.deepEqual(Array.from(cut.train.y), Array.from(set.trainLabels.subarray(0, 6)));
  assert.equal(cut.train.x.length, 6 * 12);
  assert.notEqual(cut.id, full.id);
  assert.equal((await loadIdx(dir, { trainSize: 6, valSize: 2 })).id, cut.id);
  assert.equal((await loadIdx(dir, { trainSize: 1000 })).train.n, 10);
  await assert.rejects(loadIdx(dir, { trainSize: 0 }), (e: unknown) => e instanceof UnlearnError && e.code === 'bad-config' && /trainSize must be a positive integer/.test(e.message));
  await assert.rejects(loadIdx(dir, { valSize: 1.5 }), /valSize must be a positive integer/);
});

test('idx: class names from classes.txt, EMNIST mapping, or a folder named fashion', async () => {
  const dir = tempDir();
  writeIdxSet(dir, tinyIdx(6, 3));
  write(join(dir, 'classes.txt'), 'cat\ndog\nbird\n\n');
  assert.deepEqual((await loadIdx(dir)).classNames, ['cat', 'dog', 'bird']);

  const emnist = tempDir();
  writeIdxSet(emnist, tinyIdx(6, 3));
  write(join(emnist, 'emnist-letters-mapping.txt'), '0 65 97\n1 66 98\n2 67 99\n');
  assert.deepEqual((await loadIdx(emnist)).classNames, ['A', 'B', 'C']);

  const fashion = join(tempDir(), 'my-fashion-mnist');
  writeIdxSet(fashion, tinyIdx(6, 3));
  assert.equal((await loadIdx(fashion)).classNames[9], 'Ankle boot');
});

test('idx: prefixed names (EMNIST style) are found; two sets in one folder are refused', async () => {
  const dir = tempDir();
  const set = tinyIdx(5, 2);
  write(join(dir, 'emnist-digits-train-images-idx3-ubyte.gz'), gzipSync(idxBytes([5, 4, 3], set.trainImages)));
  write(join(dir, 'emnist-digits-train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([5], set.trainLabels)));
  write(join(dir, 'emnist-digits-test-images-idx3-ubyte.gz'), gzipSync(idxBytes([2, 4, 3], set.testImages)));
  write(join(dir, 'emnist-digits-test-labels-idx1-ubyte.gz'), gzipSync(idxBytes([2], set.testLabels)));
  assert.equal((await loadIdx(dir)).train.n, 5);
  write(join(dir, 'emnist-letters-train-images-idx3-ubyte.gz'), gzipSync(idxBytes([5, 4, 3], set.trainImages)));
  await rejectsBadFile(loadIdx(dir), dir, /several IDX sets/);
});

test('idx: bad files raise bad-file errors naming the file', async () => {
  const set = tinyIdx(6, 3);
  const fresh = () => {
    const d = tempDir();
    writeIdxSet(d, set);
    return d;
  };

  let dir = fresh();
  let f = join(dir, 'train-images-idx3-ubyte');
  write(f, Buffer.concat([Buffer.from([0x12, 0x34, 0x08, 0x03]), readFileSync(f).subarray(4)]));
  await rejectsBadFile(loadIdx(dir), f, /bad magic number 0x12340803/);

  dir = fresh();
  f = join(dir, 'train-images-idx3-ubyte');
  write(f, readFileSync(f).subarray(0, 30));
  await rejectsBadFile(loadIdx(dir), f, /truncated/);

  dir = fresh();
  f = join(dir, 't10k-labels-idx1-ubyte');
  write(f, readFileSync(f).subarray(0, 6));
  await rejectsBadFile(loadIdx(dir), f, /truncated/);

  dir = fresh();
  f = join(dir, 'train-labels-idx1-ubyte');
  write(f, idxBytes([5], set.trainLabels.subarray(0, 5)));
  await rejectsBadFile(loadIdx(dir), f, /has 5 labels but .*train-images-idx3-ubyte has 6 images/);

  dir = fresh();
  f = join(dir, 'train-labels-idx1-ubyte');
  write(join(dir, 'classes.txt'), 'a\nb\nc\n');
  write(f, idxBytes([6], Uint8Array.from([0, 1, 2, 7, 0, 1])));
  await rejectsBadFile(loadIdx(dir), f, /label 7 at index 3 is outside 0..2/);

  dir = fresh();
  f = join(dir, 'train-images-idx3-ubyte');
  const gzipped = gzipSync(readFileSync(f));
  write(f, gzipped.subarray(0, gzipped.length - 20));
  await rejectsBadFile(loadIdx(dir), f, /corrupt or truncated gzip/);

  dir = fresh();
  f = join(dir, 'train-images-idx3-ubyte');
  const g = Buffer.from(gzipSync(readFileSync(f)));
  g.fill(0x55, 12, 30);
  write(f, g);
  await rejectsBadFile(loadIdx(dir), f, /gzip/);

  dir = fresh();
  f = join(dir, 'train-images-idx3-ubyte');
  write(f, idxBytes([0, 4, 3], new Uint8Array(0)));
  write(join(dir, 'train-labels-idx1-ubyte'), idxBytes([0], new Uint8Array(0)));
  await rejectsBadFile(loadIdx(dir), dir, /empty dataset/);

  dir = fresh();
  f = join(dir, 't10k-images-idx3-ubyte');
  write(f, idxBytes([3, 2, 6], set.testImages));
  await rejectsBadFile(loadIdx(dir), f, /images are 2×6 but .* has 4×3/);
});

test('idx: a missing file is not-found, naming the file expected', async () => {
  const dir = tempDir();
  const set = tinyIdx(6, 3);
  write(join(dir, 'train-images-idx3-ubyte'), idxBytes([6, 4, 3], set.trainImages));
  write(join(dir, 'train-labels-idx1-ubyte'), idxBytes([6], set.trainLabels));
  write(join(dir, 't10k-images-idx3-ubyte'), idxBytes([3, 4, 3], set.testImages));
  await rejectsWith(loadIdx(dir), 'not-found', join(dir, 't10k-labels-idx1-ubyte'), /needs t10k-labels-idx1-ubyte/);
});

test('idx: files linked in by symlink are read like files', async () => {
  const real = tempDir();
  writeIdxSet(real, tinyIdx(4, 2));
  const linked = tempDir();
  for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    symlinkSync(join(real, f), join(linked, f));
  }
  assert.equal((await loadIdx(linked, { name: 'x' })).id, (await loadIdx(real, { name: 'x' })).id);
});
