import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { loadCsv } from '../../src/engine/data/csv';
import { loadDataset } from '../../src/engine/data/registry';
import { meanStd, rejectsBadFile, rejectsWith, tempDir, write } from '../fixtures/data/writers';

test('csv: train.csv + val.csv with string labels; features standardised per feature', async () => {
  const dir = tempDir();
  write(join(dir, 'train.csv'), 'a,label,b\n1,"setosa",10\n2,virginica,20\r\n3,setosa,60\n\n6,versicolor,10\n');
  // The validation file orders its columns differently; train.csv quotes a label.
  write(join(dir, 'val.csv'), 'b,a,label\n5,1.5,virginica\n7,-2e1,setosa\n');
  const d = await loadCsv(dir);
  assert.equal(d.format, 'csv');
  assert.equal(d.name, basename(dir));
  assert.deepEqual(d.inputShape, [2]);
  assert.deepEqual(d.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(Array.from(d.train.y), [0, 2, 0, 1]);
  assert.deepEqual(Array.from(d.validation.y), [2, 0]);
  assert.equal(d.normalisation.per, 'feature');
  assert.equal(d.normalisation.scale, 1);
  const a = meanStd([1, 2, 3, 6]);
  assert.ok(Math.abs(d.normalisation.mean[0] - a.mean) < 1e-12 && Math.abs(d.normalisation.std[0] - a.std) < 1e-12);
  assert.ok(Math.abs(d.validation.x[2] - (-20 - a.mean) / a.std) < 1e-5);
  assert.equal(d.train.pixels, undefined);
});

test('csv: one file is split 80/20 deterministically; numeric labels are class indices; label column configurable', async () => {
  const dir = tempDir();
  const rows = ['x1,x2,y'];
  for (let i = 0; i < 20; i++) rows.push(`${i},${i * i},${i % 2}`);
  const file = write(join(dir, 'points.csv'), rows.join('\n'));
  const d = await loadDataset(file, { labelColumn: 'y' });
  assert.equal(d.name, 'points');
  assert.deepEqual(d.classNames, ['0', '1']);
  assert.equal(d.train.n, 16);
  assert.equal(d.validation.n, 4);
  assert.deepEqual(Array.from(d.validation.y).sort(), [0, 0, 1, 1]);
  // Named after the folder this time, but the same content hash.
  const viaFolder = await loadDataset(dir, { labelColumn: 'y' });
  assert.equal(viaFolder.id, `${basename(dir)}-${d.id.slice(-12)}`);
  await rejectsBadFile(loadDataset(file), file, /no "label" column in the header \(columns: x1, x2, y\)/);
});

test('csv: bad cells and labels raise bad-file errors naming file, line and column', async () => {
  const dir = tempDir();
  let f = write(join(dir, 'a.csv'), 'f1,f2,label\n1,2,0\n3,abc,1\n');
  await rejectsBadFile(loadCsv(f), f, /line 3, column "f2": "abc" is not a number/);
  f = write(join(dir, 'b.csv'), 'f1,f2,label\n1,,0\n');
  await rejectsBadFile(loadCsv(f), f, /line 2, column "f2": "" is not a number/);
  f = write(join(dir, 'c.csv'), 'f1,f2,label\n1,2,0\n1,2\n');
  await rejectsBadFile(loadCsv(f), f, /line 3 has 2 cells, the header has 3/);
  f = write(join(dir, 'd.csv'), 'f1,label\n1,0\n2,-1\n3,1\n');
  await rejectsBadFile(loadCsv(f), f, /line 3: label -1 is out of range/);
  f = write(join(dir, 'e.csv'), '');
  await rejectsBadFile(loadCsv(f), f, /is empty/);
  f = write(join(dir, 'f.csv'), 'f1,label\n');
  await rejectsBadFile(loadCsv(f), f, /empty dataset/);
  f = write(join(dir, 'g.csv'), 'label\nx\n');
  await rejectsBadFile(loadCsv(f), f, /no feature columns/);

  const split = tempDir();
  write(join(split, 'train.csv'), 'f1,f2,label\n1,2,0\n3,4,1\n');
  f = write(join(split, 'val.csv'), 'f1,f3,label\n1,2,0\n');
  await rejectsBadFile(loadCsv(split), f, /columns differ from .*train.csv \(missing: f2\) \(extra: f3\)/);

  const none = tempDir();
  write(join(none, 'notes.txt'), 'hi');
  await rejectsWith(loadCsv(none), 'not-found', join(none, 'train.csv'), /no such file/);
});
