/**
 * CIFAR-10 / CIFAR-100 "binary version": fixed-size records of label byte(s) then a 32×32×3
 * image stored channel-planar (1024 R, 1024 G, 1024 B), converted here to HWC.
 * CIFAR-10: data_batch_1..5.bin + test_batch.bin (+ batches.meta.txt).
 * CIFAR-100: train.bin + test.bin with a coarse and a fine label byte (fine is used)
 * (+ fine_label_names.txt).
 */
import { basename, join } from 'node:path';
import { badFile, UnlearnError } from '../errors';
import { assembleDataset, checkSize } from './assemble';
import type { Dataset } from './dataset';
import { listDir, readClassNamesFile, readDataFile } from './files';
import type { LoadOptions } from './load-options';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const IMAGE_BYTES = 3 * PLANE;

const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

interface Variant {
  kind: 'cifar-10' | 'cifar-100';
  trainFiles: string[];
  testFile: string;
  labelBytes: number;
  classes: number;
}

const BATCH = /^data_batch_(\d+)\.bin$/;

export function looksLikeCifar(files: readonly string[]): boolean {
  return files.includes('test_batch.bin') || files.some((f) => BATCH.test(f)) || (files.includes('train.bin') && files.includes('test.bin'));
}

/** Folders the CIFAR archives unpack to, so the parent folder can be named instead. */
export const CIFAR_SUBFOLDERS = ['cifar-10-batches-bin', 'cifar-100-binary'];

async function variantOf(dir: string): Promise<Variant> {
  const { files } = await listDir(dir);
  const batches = files
    .filter((f) => BATCH.test(f))
    .sort((a, b) => Number(BATCH.exec(a)?.[1]) - Number(BATCH.exec(b)?.[1]));
  if (batches.length > 0 || files.includes('test_batch.bin')) {
    if (batches.length === 0) throw new UnlearnError('not-found', `${join(dir, 'data_batch_1.bin')}: no such file (CIFAR-10 training batches)`);
    if (!files.includes('test_batch.bin')) throw new UnlearnError('not-found', `${join(dir, 'test_batch.bin')}: no such file (CIFAR-10 test batch)`);
    return { kind: 'cifar-10', trainFiles: batches.map((f) => join(dir, f)), testFile: join(dir, 'test_batch.bin'), labelBytes: 1, classes: 10 };
  }
  for (const f of ['train.bin', 'test.bin']) {
    if (!files.includes(f)) throw new UnlearnError('not-found', `${join(dir, f)}: no such file (CIFAR-100 binary)`);
  }
  return { kind: 'cifar-100', trainFiles: [join(dir, 'train.bin')], testFile: join(dir, 'test.bin'), labelBytes: 2, classes: 100 };
}

interface Records {
  pixels: Uint8Array;
  labels: Int32Array;
}

/** Reads batch files in order until `limit` records are in hand. */
async function readRecords(files: string[], v: Variant, limit: number | undefined): Promise<Records> {
  const record = v.labelBytes + IMAGE_BYTES;
  const parts: { buf: Buffer; file: string; count: number }[] = [];
  let total = 0;
  for (const file of files) {
    if (limit !== undefined && total >= limit) break;
    const buf = await readDataFile(file);
    if (buf.length === 0) throw badFile(file, 'is empty');
    if (buf.length % record !== 0) {
      throw badFile(file, `truncated or not ${v.kind} binary: ${buf.length} bytes is not a whole number of ${record}-byte records`);
    }
    const count = Math.min(buf.length / record, limit === undefined ? Infinity : limit - total);
    parts.push({ buf, file, count });
    total += count;
  }
  const pixels = new Uint8Array(total * IMAGE_BYTES);
  const labels = new Int32Array(total);
  let n = 0;
  for (const { buf, file, count } of parts) {
    for (let r = 0; r < count; r++, n++) {
      const at = r * record;
      const label = buf[at + v.labelBytes - 1]; // CIFAR-100: the fine label follows the coarse one
      if (label >= v.classes) throw badFile(file, `record ${r} has label ${label}, outside 0..${v.classes - 1}`);
      labels[n] = label;
      const src = at + v.labelBytes;
      const dst = n * IMAGE_BYTES;
      for (let p = 0; p < PLANE; p++) {
        pixels[dst + 3 * p] = buf[src + p];
        pixels[dst + 3 * p + 1] = buf[src + PLANE + p];
        pixels[dst + 3 * p + 2] = buf[src + 2 * PLANE + p];
      }
    }
  }
  return { pixels, labels };
}

async function classNamesFor(dir: string, v: Variant): Promise<string[]> {
  const file = join(dir, v.kind === 'cifar-10' ? 'batches.meta.txt' : 'fine_label_names.txt');
  const names = await readClassNamesFile(file);
  if (names === undefined) return v.kind === 'cifar-10' ? CIFAR10_CLASSES : Array.from({ length: v.classes }, (_, i) => String(i));
  if (names.length !== v.classes) throw badFile(file, `lists ${names.length} class names, expected ${v.classes}`);
  return names;
}

export async function loadCifar(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const v = await variantOf(dir);
  const [train, test, classNames] = await Promise.all([
    readRecords(v.trainFiles, v, checkSize(opts.trainSize, 'trainSize')),
    readRecords([v.testFile], v, checkSize(opts.valSize, 'valSize')),
    classNamesFor(dir, v),
  ]);
  const parent = basename(dir);
  return assembleDataset(
    {
      name: opts.name ?? (CIFAR_SUBFOLDERS.includes(parent) ? v.kind : parent),
      source: dir,
      format: 'cifar',
      kind: 'image',
      inputShape: [SIDE, SIDE, 3],
      classNames,
      train: { raw: train.pixels, y: train.labels },
      validation: { raw: test.pixels, y: test.labels },
    },
    opts,
  );
}
