import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputSize } from '../../src/engine/data/dataset';
import { embeddedDatasetDir, loadDataset } from '../../src/engine/data/registry';

test('embedded: Fashion-MNIST subset has 10,000 training and 2,000 validation 28×28×1 images', async (t) => {
  const started = performance.now();
  const d = await loadDataset(undefined);
  const ms = performance.now() - started;
  assert.equal(d.train.n, 10000);
  assert.equal(d.validation.n, 2000);
  assert.deepEqual(d.inputShape, [28, 28, 1]);
  assert.equal(d.format, 'idx');
  assert.equal(d.classNames.length, 10);
  assert.deepEqual([d.classNames[0], d.classNames[9]], ['T-shirt/top', 'Ankle boot']);
  assert.equal(d.train.x.length, 10000 * inputSize(d));
  assert.equal(d.train.pixels?.length, 10000 * 784);
  for (const split of [d.train, d.validation]) {
    const counts = new Array<number>(10).fill(0);
    for (const y of split.y) counts[y]++;
    assert.equal(counts.reduce((a, b) => a + b, 0), split.n);
    // Fashion-MNIST is balanced; the first n points are close to it.
    for (const c of counts) assert.ok(c > split.n / 20, `class counts ${counts}`);
  }
  // The first training and test images of Fashion-MNIST are both ankle boots.
  assert.equal(d.train.y[0], 9);
  assert.equal(d.validation.y[0], 9);
  assert.ok(Math.abs(d.normalisation.mean[0] - 0.2863) < 1e-3);
  t.diagnostic(`embedded load: ${ms.toFixed(0)} ms`);
});

test('embedded: the id is stable across loads and pinned to the checked-in bytes', async () => {
  const a = await loadDataset('embedded');
  const b = await loadDataset('embedded');
  assert.equal(a.id, b.id);
  assert.equal(a.id, 'fashion-mnist-subset-169cdb97fec3');
  const quick = await loadDataset('embedded', { trainSize: 1000, valSize: 1000 });
  assert.equal(quick.train.n, 1000);
  assert.equal(quick.validation.n, 1000);
  assert.notEqual(quick.id, a.id);
  assert.deepEqual(Array.from(quick.train.y), Array.from(a.train.y.subarray(0, 1000)));
});

test('embedded: files match their SHA256SUMS and the licence sits beside them', () => {
  const dir = embeddedDatasetDir();
  const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n');
  assert.equal(sums.length, 4);
  for (const line of sums) {
    const [hash, name] = line.split(/\s+/);
    assert.equal(createHash('sha256').update(readFileSync(join(dir, name))).digest('hex'), hash, name);
  }
  assert.match(readFileSync(join(dir, 'LICENSE'), 'utf8'), /Zalando SE/);
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /make-embedded-data\.mjs/);
});
