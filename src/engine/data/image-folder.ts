/**
 * A folder of PNG/JPEG images, one sub-folder per class:
 *   root/train/<class>/*.png and root/val/<class>/*.png (or test/, validation/), or
 *   root/<class>/*.png, split 80/20 per class with a seeded shuffle.
 * All images must share one size. Grayscale when every pixel of every image has R = G = B,
 * else RGB; alpha is dropped.
 */
import { basename, extname, join } from 'node:path';
import { PNG } from 'pngjs';
import { decode as decodeJpeg } from 'jpeg-js';
import { badFile } from '../errors';
import { assembleDataset, checkSize } from './assemble';
import type { Dataset } from './dataset';
import { listDir, readDataFile } from './files';
import { VALIDATION_FRACTION, type LoadOptions } from './load-options';
import { seededPermutation, stratifiedSplit } from './split';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const SPLIT_NAMES = { train: ['train'], validation: ['val', 'validation', 'test'] };
const DECODE_BATCH = 64;

interface Item {
  file: string;
  label: number;
}

interface Decoded {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const isImage = (f: string) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase());

/** Sub-folders holding at least one image, as [name, image paths]. */
async function classFolders(root: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const d of (await listDir(root)).dirs) {
    const images = (await listDir(join(root, d))).files.filter(isImage).map((f) => join(root, d, f));
    if (images.length > 0) out.set(d, images);
  }
  return out;
}

export async function looksLikeImageFolder(dir: string): Promise<boolean> {
  const { dirs } = await listDir(dir);
  const train = dirs.find((d) => SPLIT_NAMES.train.includes(d));
  return (await classFolders(train ? join(dir, train) : dir)).size > 0;
}

function decode(buf: Buffer, file: string): Decoded {
  try {
    if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47) {
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) {
      const jpg = decodeJpeg(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
      return { width: jpg.width, height: jpg.height, rgba: jpg.data };
    }
  } catch (e) {
    throw badFile(file, `unreadable or corrupt image (${(e as Error).message})`);
  }
  throw badFile(file, 'is not a PNG or JPEG image (unrecognised first bytes)');
}

interface Pixels {
  width: number;
  height: number;
  /** n × H × W × 3 */
  rgb: Uint8Array;
}

/** Names the file whose size differs from the most common one, not merely from the first image seen. */
function oddOneOut(items: Item[], sizes: string[]): never {
  const counts = new Map<string, number>();
  for (const s of sizes) counts.set(s, (counts.get(s) ?? 0) + 1);
  const common = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const odd = sizes.findIndex((s) => s !== common);
  const example = items[sizes.indexOf(common)].file;
  throw badFile(items[odd].file, `is ${sizes[odd]} but ${example} (like ${counts.get(common)} of ${sizes.length} images) is ${common}: all images must share one size`);
}

async function decodeAll(items: Item[]): Promise<Pixels> {
  let width = 0;
  let height = 0;
  let rgb = new Uint8Array(0);
  const sizes: string[] = [];
  let mixed = false;
  for (let start = 0; start < items.length; start += DECODE_BATCH) {
    const batch = items.slice(start, start + DECODE_BATCH);
    const bufs = await Promise.all(batch.map((it) => readDataFile(it.file)));
    bufs.forEach((buf, k) => {
      const img = decode(buf, batch[k].file);
      sizes.push(`${img.width}×${img.height}`);
      if (start + k === 0) {
        ({ width, height } = img);
        rgb = new Uint8Array(items.length * width * height * 3);
      }
      if (img.width !== width || img.height !== height) mixed = true;
      if (mixed) return; // keep decoding only to find which size is the odd one
      const px = width * height;
      const dst = (start + k) * px * 3;
      for (let p = 0; p < px; p++) {
        rgb[dst + 3 * p] = img.rgba[4 * p];
        rgb[dst + 3 * p + 1] = img.rgba[4 * p + 1];
        rgb[dst + 3 * p + 2] = img.rgba[4 * p + 2];
      }
    });
  }
  if (mixed) oddOneOut(items, sizes);
  return { width, height, rgb };
}

function isGray(rgb: Uint8Array): boolean {
  for (let i = 0; i < rgb.length; i += 3) if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) return false;
  return true;
}

function toGray(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = rgb[3 * i];
  return out;
}

function itemsOf(folders: Map<string, string[]>, classIndex: Map<string, number>): Item[] {
  const items: Item[] = [];
  for (const [name, files] of folders) for (const file of files) items.push({ file, label: classIndex.get(name) ?? -1 });
  return items;
}

function shuffled<T>(items: T[], seed: number): T[] {
  return Array.from(seededPermutation(items.length, seed), (i) => items[i]);
}

export async function loadImageFolder(root: string, opts: LoadOptions = {}): Promise<Dataset> {
  const trainSize = checkSize(opts.trainSize, 'trainSize');
  const valSize = checkSize(opts.valSize, 'valSize');
  const seed = opts.splitSeed ?? 0;
  const { dirs } = await listDir(root);
  const trainDir = dirs.find((d) => SPLIT_NAMES.train.includes(d));
  const valDir = dirs.find((d) => SPLIT_NAMES.validation.includes(d));

  let classNames: string[];
  let train: Item[];
  let validation: Item[];
  if (trainDir !== undefined && valDir !== undefined) {
    const t = await classFolders(join(root, trainDir));
    const v = await classFolders(join(root, valDir));
    classNames = [...new Set([...t.keys(), ...v.keys()])].sort();
    const index = new Map(classNames.map((c, i) => [c, i]));
    // Folder listings give points grouped by class; shuffle so that "the first n" mixes classes.
    train = shuffled(itemsOf(t, index), seed);
    validation = shuffled(itemsOf(v, index), seed + 1);
  } else {
    // A train/ folder without a validation sibling is the pool to split.
    const all = await classFolders(trainDir !== undefined ? join(root, trainDir) : root);
    classNames = [...all.keys()];
    const items = itemsOf(all, new Map(classNames.map((c, i) => [c, i])));
    const split = stratifiedSplit(
      items.map((it) => it.label),
      VALIDATION_FRACTION,
      seed,
    );
    train = split.train.map((i) => items[i]);
    validation = split.validation.map((i) => items[i]);
  }
  if (train.length === 0) {
    throw badFile(root, 'no PNG/JPEG images found: expected one sub-folder of images per class (optionally under train/ and val/)');
  }
  train = train.slice(0, trainSize);
  validation = validation.slice(0, valSize);

  const all = await decodeAll([...train, ...validation]);
  const gray = isGray(all.rgb);
  const pixels = gray ? toGray(all.rgb) : all.rgb;
  const channels = gray ? 1 : 3;
  const cut = train.length * all.width * all.height * channels;
  return assembleDataset(
    {
      name: opts.name ?? basename(root),
      source: root,
      format: 'image-folder',
      kind: 'image',
      inputShape: [all.height, all.width, channels],
      classNames,
      train: { raw: pixels.subarray(0, cut), y: Int32Array.from(train, (it) => it.label) },
      validation: { raw: pixels.subarray(cut), y: Int32Array.from(validation, (it) => it.label) },
    },
    opts,
  );
}
