import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { loadImageFolder } from '../../src/engine/data/image-folder';
import { loadDataset } from '../../src/engine/data/registry';
import { rejectsBadFile, tempDir, write } from '../fixtures/data/writers';

/** RGBA pixels of a w×h image whose values encode `seed`; gray when every channel is equal. */
function pixels(w: number, h: number, seed: number, gray: boolean): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    const v = (seed * 17 + p * 5) % 256;
    data[4 * p] = v;
    data[4 * p + 1] = gray ? v : (v + 60) % 256;
    data[4 * p + 2] = gray ? v : (v + 120) % 256;
    data[4 * p + 3] = 255;
  }
  return data;
}

function png(w: number, h: number, seed: number, gray = true, colorType: 0 | 2 | 6 = 6): Buffer {
  const img = new PNG({ width: w, height: h });
  img.data = pixels(w, h, seed, gray);
  return PNG.sync.write(img, { colorType });
}

function jpg(w: number, h: number, seed: number): Buffer {
  return jpeg.encode({ width: w, height: h, data: pixels(w, h, seed, false) }, 95).data;
}

test('image folder: train/ and val/ with grayscale PNGs load as [H, W, 1]', async () => {
  const root = tempDir();
  let seed = 0;
  for (const split of ['train', 'val']) {
    for (const cls of ['cat', 'dog']) {
      for (let i = 0; i < (split === 'train' ? 3 : 1); i++) write(join(root, split, cls, `${i}.png`), png(5, 4, seed++, true, i % 2 === 0 ? 0 : 6));
    }
  }
  write(join(root, 'train', 'dog', 'notes.txt'), 'ignored');
  const d = await loadImageFolder(root);
  assert.equal(d.format, 'image-folder');
  assert.deepEqual(d.inputShape, [4, 5, 1]);
  assert.deepEqual(d.classNames, ['cat', 'dog']);
  assert.equal(d.train.n, 6);
  assert.equal(d.validation.n, 2);
  assert.deepEqual(Array.from(d.train.y).sort(), [0, 0, 0, 1, 1, 1]);
  // val/cat/0.png was written with seed 6: its first pixel is (6·17) % 256.
  const catAt = Array.from(d.validation.y).indexOf(0);
  assert.equal(d.validation.pixels?.[catAt * 20], (6 * 17) % 256);
  const again = await loadImageFolder(root);
  assert.equal(again.id, d.id);
  assert.deepEqual(Array.from(again.train.y), Array.from(d.train.y));
});

test('image folder: class folders without a split are split 80/20 per class, deterministically; RGB JPEG + PNG', async () => {
  const root = tempDir();
  for (let i = 0; i < 10; i++) write(join(root, 'apple', `a${i}.png`), png(6, 6, i, false, 2));
  for (let i = 0; i < 5; i++) write(join(root, 'pear', `p${i}.jpg`), jpg(6, 6, i));
  const d = await loadDataset(root);
  assert.deepEqual(d.inputShape, [6, 6, 3]);
  assert.deepEqual(d.classNames, ['apple', 'pear']);
  assert.equal(d.train.n, 12);
  assert.equal(d.validation.n, 3);
  assert.deepEqual(Array.from(d.validation.y).sort(), [0, 0, 1]);
  assert.equal(d.normalisation.mean.length, 3);
  const again = await loadDataset(root);
  assert.equal(again.id, d.id);
  assert.deepEqual(Array.from(again.validation.y), Array.from(d.validation.y));
  const firstFour = await loadDataset(root, { trainSize: 4, valSize: 1 });
  assert.deepEqual(Array.from(firstFour.train.y), Array.from(d.train.y.subarray(0, 4)));
  assert.deepEqual(Array.from(firstFour.train.pixels ?? []), Array.from((d.train.pixels ?? new Uint8Array(0)).subarray(0, 4 * 108)));
});

test('image folder: bad images raise bad-file errors naming the file', async () => {
  let root = tempDir();
  write(join(root, 'a', '0.png'), png(4, 4, 0));
  write(join(root, 'a', '1.png'), png(4, 4, 1));
  let odd = write(join(root, 'b', '0.png'), png(4, 5, 2));
  write(join(root, 'b', '1.png'), png(4, 4, 3));
  await rejectsBadFile(loadImageFolder(root), odd, /is 4×5 but .* \(like 3 of 4 images\) is 4×4: all images must share one size/);

  root = tempDir();
  write(join(root, 'a', '0.png'), png(4, 4, 0));
  write(join(root, 'a', '1.png'), png(4, 4, 1));
  odd = write(join(root, 'a', '2.png'), png(4, 4, 2).subarray(0, 40));
  await rejectsBadFile(loadImageFolder(root), odd, /unreadable or corrupt image/);

  root = tempDir();
  write(join(root, 'a', '0.png'), png(4, 4, 0));
  odd = write(join(root, 'a', '1.jpg'), Buffer.concat([jpg(4, 4, 0).subarray(0, 30)]));
  await rejectsBadFile(loadImageFolder(root), odd, /unreadable or corrupt image/);

  root = tempDir();
  write(join(root, 'a', '0.png'), png(4, 4, 0));
  odd = write(join(root, 'a', '1.png'), 'GIF89a this is no png');
  await rejectsBadFile(loadImageFolder(root), odd, /is not a PNG or JPEG image/);

  root = tempDir();
  write(join(root, 'a', 'readme.txt'), 'no images here');
  await rejectsBadFile(loadImageFolder(root), root, /no PNG\/JPEG images found/);

  root = tempDir();
  write(join(root, 'a', '0.png'), png(4, 4, 0));
  await rejectsBadFile(loadImageFolder(root), root, /empty dataset: the validation split has no points/);
});
