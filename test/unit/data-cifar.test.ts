import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadCifar } from '../../src/engine/data/cifar';
import { loadDataset } from '../../src/engine/data/registry';
import { rejectsBadFile, rejectsWith, tempDir, write } from '../fixtures/data/writers';

const PLANE = 1024;

/** One record: label byte(s), then R, G and B planes; pixel values encode (point, channel, position). */
function record(labels: number[], point: number): Buffer {
  const image = Buffer.alloc(3 * PLANE);
  for (let c = 0; c < 3; c++) for (let p = 0; p < PLANE; p++) image[c * PLANE + p] = (point * 31 + c * 80 + p) % 256;
  return Buffer.concat([Buffer.from(labels), image]);
}

function batch(labelsPerRecord: number[][], firstPoint: number): Buffer {
  return Buffer.concat(labelsPerRecord.map((l, i) => record(l, firstPoint + i)));
}

function cifar10(dir: string): void {
  write(join(dir, 'data_batch_1.bin'), batch([[3], [9], [0]], 0));
  write(join(dir, 'data_batch_2.bin'), batch([[1], [2]], 3));
  write(join(dir, 'test_batch.bin'), batch([[4], [5]], 100));
}

test('cifar: CIFAR-10 binary batches load in order, CHW converted to HWC', async () => {
  const dir = tempDir();
  cifar10(dir);
  const d = await loadCifar(dir, { name: 'c10' });
  assert.deepEqual(d.inputShape, [32, 32, 3]);
  assert.equal(d.format, 'cifar');
  assert.deepEqual(Array.from(d.train.y), [3, 9, 0, 1, 2]);
  assert.deepEqual(Array.from(d.validation.y), [4, 5]);
  assert.equal(d.classNames[0], 'airplane');
  const px = d.train.pixels ?? new Uint8Array(0);
  // point 4 (second record of batch 2), pixel 5, channel 2 (blue)
  assert.equal(px[4 * 3 * PLANE + 5 * 3 + 2], (4 * 31 + 2 * 80 + 5) % 256);
  assert.equal(d.validation.pixels?.[1 * 3 * PLANE + 1023 * 3 + 0], (101 * 31 + 1023) % 256);
  assert.equal(d.normalisation.mean.length, 3);
  assert.equal(d.normalisation.per, 'channel');
});

test('cifar: class names from batches.meta.txt; trainSize reads only what it needs', async () => {
  const dir = tempDir();
  cifar10(dir);
  write(join(dir, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n\n');
  write(join(dir, 'data_batch_2.bin'), Buffer.from('not a batch'));
  const d = await loadCifar(dir, { trainSize: 2, valSize: 1 });
  assert.equal(d.classNames[9], 'j');
  assert.deepEqual(Array.from(d.train.y), [3, 9]);
  assert.equal(d.validation.n, 1);
});

test('cifar: CIFAR-100 uses the fine label and fine_label_names.txt; parent folder is sniffed', async () => {
  const root = tempDir();
  const dir = join(root, 'cifar-100-binary');
  write(join(dir, 'train.bin'), batch([[1, 57], [19, 99], [0, 3]], 0));
  write(join(dir, 'test.bin'), batch([[2, 42]], 7));
  write(join(dir, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n'));
  const d = await loadDataset(root);
  assert.equal(d.name, 'cifar-100');
  assert.deepEqual(Array.from(d.train.y), [57, 99, 3]);
  assert.deepEqual(Array.from(d.validation.y), [42]);
  assert.equal(d.classNames[57], 'fine57');
});

test('cifar: bad files raise bad-file errors naming the file', async () => {
  let dir = tempDir();
  cifar10(dir);
  let f = join(dir, 'data_batch_2.bin');
  write(f, batch([[1], [2]], 3).subarray(0, 5000));
  await rejectsBadFile(loadCifar(dir), f, /truncated or not cifar-10 binary: 5000 bytes is not a whole number of 3073-byte records/);

  dir = tempDir();
  cifar10(dir);
  f = join(dir, 'test_batch.bin');
  write(f, batch([[4], [10]], 100));
  await rejectsBadFile(loadCifar(dir), f, /record 1 has label 10, outside 0..9/);

  dir = tempDir();
  cifar10(dir);
  f = join(dir, 'test_batch.bin');
  write(f, Buffer.alloc(0));
  await rejectsBadFile(loadCifar(dir), f, /is empty/);

  dir = tempDir();
  cifar10(dir);
  f = join(dir, 'batches.meta.txt');
  write(f, 'a\nb\n');
  await rejectsBadFile(loadCifar(dir), f, /lists 2 class names, expected 10/);

  dir = tempDir();
  write(join(dir, 'data_batch_1.bin'), batch([[3]], 0));
  await rejectsWith(loadCifar(dir), 'not-found', join(dir, 'test_batch.bin'), /no such file/);
});
