import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import {
  EMBEDDED_NAME,
  SYSTEM_FASHION_MNIST,
  embeddedDatasetDir,
  listDatasets,
  loadDataset,
  sniffFormat,
} from '../../src/engine/data/registry';
import { encodeNpy } from '../../src/engine/store/npy';
import { rejectsBadFile, rejectsWith, tempDir, tinyIdx, write, writeIdxSet } from '../fixtures/data/writers';

const repoRoot = join(__dirname, '..', '..');

test('registry: the embedded folder is found from the sources and from a bundle in dist/', () => {
  const expected = join(repoRoot, 'media', 'data', EMBEDDED_NAME);
  assert.equal(embeddedDatasetDir(), expected);
  assert.equal(embeddedDatasetDir(join(repoRoot, 'dist')), expected);
  assert.throws(() => embeddedDatasetDir('/'), /embedded dataset is missing/);
});

test('registry: undefined, "" and "embedded" all load the embedded subset', async () => {
  const a = await loadDataset(undefined, { trainSize: 50, valSize: 20 });
  const b = await loadDataset('', { trainSize: 50, valSize: 20 });
  const c = await loadDataset('embedded', { trainSize: 50, valSize: 20 });
  assert.equal(a.source, `embedded:${EMBEDDED_NAME}`);
  assert.equal(a.id, b.id);
  assert.equal(a.id, c.id);
});

test('registry: "fashion-mnist" is the system copy when installed, else the embedded subset', async () => {
  const d = await loadDataset('fashion-mnist', { trainSize: 10, valSize: 10 });
  if (existsSync(SYSTEM_FASHION_MNIST)) assert.equal(d.source, SYSTEM_FASHION_MNIST);
  else assert.equal(d.source, `embedded:${EMBEDDED_NAME}`);
  assert.equal(d.classNames[0], 'T-shirt/top');
});

test('registry: listDatasets reports the embedded subset from its headers', async () => {
  const list = await listDatasets();
  const embedded = list.find((d) => d.spec === 'embedded');
  assert.deepEqual(embedded, {
    spec: 'embedded',
    name: EMBEDDED_NAME,
    source: `embedded:${EMBEDDED_NAME}`,
    format: 'idx',
    numClasses: 10,
    trainSize: 10000,
    valSize: 2000,
    inputShape: [28, 28, 1],
  });
  assert.equal(list.some((d) => d.spec === 'fashion-mnist'), existsSync(SYSTEM_FASHION_MNIST));
});

test('registry: sniffs every format from the files a folder holds', async () => {
  const idx = tempDir();
  writeIdxSet(idx, tinyIdx(4, 2), 4, 3, true);
  assert.deepEqual(await sniffFormat(idx), { format: 'idx', path: idx });

  const cifarRoot = tempDir();
  write(join(cifarRoot, 'cifar-10-batches-bin', 'data_batch_1.bin'), Buffer.alloc(3073));
  write(join(cifarRoot, 'cifar-10-batches-bin', 'test_batch.bin'), Buffer.alloc(3073));
  assert.deepEqual(await sniffFormat(cifarRoot), { format: 'cifar', path: join(cifarRoot, 'cifar-10-batches-bin') });

  const images = tempDir();
  const img = new PNG({ width: 2, height: 2 });
  write(join(images, 'train', 'x', '0.png'), PNG.sync.write(img));
  assert.deepEqual(await sniffFormat(images), { format: 'image-folder', path: images });

  const csv = tempDir();
  write(join(csv, 'train.csv'), 'a,label\n1,0\n');
  assert.deepEqual(await sniffFormat(csv), { format: 'csv', path: csv });
  assert.deepEqual(await sniffFormat(join(csv, 'train.csv')), { format: 'csv', path: join(csv, 'train.csv') });

  const npy = tempDir();
  write(join(npy, 'x_train.npy'), encodeNpy({ dtype: 'float32', shape: [1, 1], data: new Float32Array(1) }));
  assert.deepEqual(await sniffFormat(npy), { format: 'npy', path: npy });
});

test('registry: an explicit format skips sniffing', async () => {
  const dir = tempDir();
  write(join(dir, 'train.csv'), 'a,label\n1,0\n2,1\n');
  write(join(dir, 'val.csv'), 'a,label\n1,0\n');
  write(join(dir, 'x_train.npy'), encodeNpy({ dtype: 'float32', shape: [1, 1], data: new Float32Array(1) }));
  assert.equal((await sniffFormat(dir)).format, 'npy');
  const d = await loadDataset(dir, { format: 'csv' });
  assert.equal(d.format, 'csv');
  assert.equal(d.train.n, 2);
});

test('registry: a missing path is not-found; a folder of other things is "not a dataset"', async () => {
  const dir = tempDir();
  const missing = join(dir, 'nope');
  await rejectsWith(loadDataset(missing), 'not-found', missing, /no such file or folder/);
  await rejectsWith(loadDataset(missing, { format: 'idx' }), 'not-found', missing, /no such file or folder/);
  write(join(dir, 'notes.txt'), 'hello');
  write(join(dir, 'sub', 'more.txt'), 'hello');
  await rejectsBadFile(loadDataset(dir), dir, /is not a dataset: expected IDX files .*CIFAR.*PNG\/JPEG.*CSV.*x_train.npy/);
  const file = join(dir, 'notes.txt');
  await rejectsBadFile(loadDataset(file), file, /is not a dataset/);
});
