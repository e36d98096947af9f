import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadNpyPairs } from '../../src/engine/data/npy-pairs';
import { loadDataset } from '../../src/engine/data/registry';
import { encodeNpy, type NpyArray } from '../../src/engine/store/npy';
import { rejectsBadFile, rejectsWith, tempDir, write } from '../fixtures/data/writers';

const npy = (a: NpyArray) => encodeNpy(a);

function featurePairs(dir: string, valName = 'val'): void {
  write(join(dir, 'x_train.npy'), npy({ dtype: 'float32', shape: [4, 2], data: new Float32Array([1, 10, 2, 10, 3, 10, 6, 10]) }));
  write(join(dir, 'y_train.npy'), npy({ dtype: 'int32', shape: [4], data: new Int32Array([0, 1, 2, 1]) }));
  write(join(dir, `x_${valName}.npy`), npy({ dtype: 'float32', shape: [2, 2], data: new Float32Array([0, 10, 4, 11]) }));
  write(join(dir, `y_${valName}.npy`), npy({ dtype: 'float64', shape: [2, 1], data: new Float64Array([2, 0]) }));
}

test('npy pairs: float features, standardised per feature (a constant feature keeps std 1)', async () => {
  const dir = tempDir();
  featurePairs(dir);
  const d = await loadNpyPairs(dir);
  assert.equal(d.format, 'npy');
  assert.deepEqual(d.inputShape, [2]);
  assert.deepEqual(d.classNames, ['0', '1', '2']);
  assert.deepEqual(Array.from(d.train.y), [0, 1, 2, 1]);
  assert.deepEqual(Array.from(d.validation.y), [2, 0]);
  assert.deepEqual(d.normalisation.mean, [3, 10]);
  assert.equal(d.normalisation.std[1], 1);
  assert.ok(Math.abs(d.validation.x[2] - (4 - 3) / Math.sqrt(3.5)) < 1e-6);
  assert.ok(Math.abs(d.validation.x[3] - 1) < 1e-6);
  assert.equal((await loadDataset(dir)).id, d.id);
});

test('npy pairs: x_test/y_test accepted; uint8 [n, H, W] is images; classes.txt names classes', async () => {
  const dir = tempDir();
  write(join(dir, 'x_train.npy'), npy({ dtype: 'uint8', shape: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) }));
  write(join(dir, 'y_train.npy'), npy({ dtype: 'uint8', shape: [3], data: new Uint8Array([1, 0, 1]) }));
  write(join(dir, 'x_test.npy'), npy({ dtype: 'uint8', shape: [1, 2, 2], data: new Uint8Array([0, 255, 0, 255]) }));
  write(join(dir, 'y_test.npy'), npy({ dtype: 'int32', shape: [1], data: new Int32Array([0]) }));
  write(join(dir, 'classes.txt'), 'no\nyes\n');
  const d = await loadNpyPairs(dir, { trainSize: 2 });
  assert.deepEqual(d.inputShape, [2, 2, 1]);
  assert.deepEqual(d.classNames, ['no', 'yes']);
  assert.equal(d.normalisation.scale, 255);
  assert.equal(d.train.n, 2);
  assert.deepEqual(Array.from(d.train.pixels ?? []), [0, 20, 40, 60, 80, 100, 120, 140]);
});

test('npy pairs: faults raise bad-file / not-found errors naming the file', async () => {
  let dir = tempDir();
  featurePairs(dir);
  let f = write(join(dir, 'y_train.npy'), npy({ dtype: 'int32', shape: [3], data: new Int32Array([0, 1, 2]) }));
  await rejectsBadFile(loadNpyPairs(dir), f, /has 3 labels but .*x_train.npy has 4 rows/);

  dir = tempDir();
  featurePairs(dir);
  f = write(join(dir, 'y_val.npy'), npy({ dtype: 'int32', shape: [2], data: new Int32Array([0, -3]) }));
  await rejectsBadFile(loadNpyPairs(dir), f, /label -3 at index 1 is out of range/);

  dir = tempDir();
  featurePairs(dir);
  f = write(join(dir, 'y_val.npy'), npy({ dtype: 'float32', shape: [2], data: new Float32Array([0, 0.5]) }));
  await rejectsBadFile(loadNpyPairs(dir), f, /label 0.5 at index 1 is out of range/);

  dir = tempDir();
  featurePairs(dir);
  write(join(dir, 'classes.txt'), 'a\nb\n');
  await rejectsBadFile(loadNpyPairs(dir), join(dir, 'y_train.npy'), /label 2 at index 2 is out of range: .*classes.txt names 2 classes/);

  dir = tempDir();
  featurePairs(dir);
  f = write(join(dir, 'x_val.npy'), npy({ dtype: 'float32', shape: [2, 3], data: new Float32Array(6) }));
  await rejectsBadFile(loadNpyPairs(dir), f, /is float32 \[2, 3\] but .*x_train.npy is float32 \[n, 2\]/);

  dir = tempDir();
  featurePairs(dir);
  f = write(join(dir, 'x_train.npy'), npy({ dtype: 'float64', shape: [4, 2], data: new Float64Array([1, 2, 3, NaN, 5, 6, 7, 8]) }));
  write(join(dir, 'x_val.npy'), npy({ dtype: 'float64', shape: [2, 2], data: new Float64Array(4) }));
  await rejectsBadFile(loadNpyPairs(dir), f, /non-finite value \(NaN\) at flat index 3/);

  dir = tempDir();
  featurePairs(dir);
  f = join(dir, 'x_train.npy');
  write(f, npy({ dtype: 'float32', shape: [4, 2], data: new Float32Array(8) }).subarray(0, 140));
  await rejectsBadFile(loadNpyPairs(dir), f, /truncated .npy data/);

  dir = tempDir();
  featurePairs(dir);
  f = write(join(dir, 'x_train.npy'), npy({ dtype: 'float32', shape: [4], data: new Float32Array(4) }));
  await rejectsBadFile(loadNpyPairs(dir), f, /inputs must have shape \[n, \.\.\.\]/);

  dir = tempDir();
  featurePairs(dir);
  write(join(dir, 'x_train.npy'), npy({ dtype: 'float32', shape: [0, 2], data: new Float32Array(0) }));
  write(join(dir, 'y_train.npy'), npy({ dtype: 'int32', shape: [0], data: new Int32Array(0) }));
  await rejectsBadFile(loadNpyPairs(dir), dir, /empty dataset/);

  dir = tempDir();
  write(join(dir, 'x_train.npy'), npy({ dtype: 'float32', shape: [1, 1], data: new Float32Array(1) }));
  write(join(dir, 'y_train.npy'), npy({ dtype: 'int32', shape: [1], data: new Int32Array(1) }));
  write(join(dir, 'x_val.npy'), npy({ dtype: 'float32', shape: [1, 1], data: new Float32Array(1) }));
  await rejectsWith(loadNpyPairs(dir), 'not-found', join(dir, 'y_val.npy'), /no such file/);
});
