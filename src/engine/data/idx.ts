/**
 * IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST), plain or gzipped: a folder holding
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
 * t10k-labels-idx1-ubyte (each optionally `.gz`, optionally with a prefix such as `emnist-digits-`).
 */
import { basename, join } from 'node:path';
import { badFile, UnlearnError } from '../errors';
import { assembleDataset } from './assemble';
import type { Dataset } from './dataset';
import { listDir, readClassNamesFile, readDataFile, readMaybeGzip, readPrefix } from './files';
import type { LoadOptions } from './load-options';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const UBYTE = 0x08;

export interface IdxArray {
  /** Sizes, first axis = items. */
  dims: number[];
  data: Uint8Array;
}

function headerOf(buf: Buffer, file: string): { dims: number[]; offset: number } {
  if (buf.length < 4) throw badFile(file, `truncated: ${buf.length} bytes is too short for an IDX header`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw badFile(file, `bad magic number 0x${buf.readUInt32BE(0).toString(16).padStart(8, '0')} (an IDX file starts 0x0000)`);
  }
  if (buf[2] !== UBYTE) throw badFile(file, `IDX data type 0x${buf[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const rank = buf[3];
  if (rank === 0) throw badFile(file, 'IDX file declares no dimensions');
  const offset = 4 + 4 * rank;
  if (buf.length < offset) throw badFile(file, `truncated: the IDX header needs ${offset} bytes, found ${buf.length}`);
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { dims, offset };
}

export function parseIdx(buf: Buffer, file: string): IdxArray {
  const { dims, offset } = headerOf(buf, file);
  const need = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - offset;
  if (have < need) throw badFile(file, `truncated: [${dims.join(' × ')}] needs ${need} data bytes, found ${have}`);
  if (have > need) throw badFile(file, `${have - need} unexpected bytes after the [${dims.join(' × ')}] data`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + offset, need) };
}

export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

const ROLES: Record<keyof IdxFiles, RegExp> = {
  trainImages: /^(.*[-_.])?train-images[-.]idx3-ubyte(\.gz)?$/,
  trainLabels: /^(.*[-_.])?train-labels[-.]idx1-ubyte(\.gz)?$/,
  testImages: /^(.*[-_.])?(t10k|test)-images[-.]idx3-ubyte(\.gz)?$/,
  testLabels: /^(.*[-_.])?(t10k|test)-labels[-.]idx1-ubyte(\.gz)?$/,
};

export function looksLikeIdx(files: readonly string[]): boolean {
  return files.some((f) => ROLES.trainImages.test(f));
}

/** The four files of one IDX set; several sets in one folder (as EMNIST ships) are refused. */
export async function findIdxFiles(dir: string): Promise<IdxFiles> {
  const { files } = await listDir(dir);
  const found: Partial<IdxFiles> = {};
  for (const role of Object.keys(ROLES) as (keyof IdxFiles)[]) {
    let matches = files.filter((f) => ROLES[role].test(f));
    // The same file plain and gzipped is one set; prefer the plain copy (no inflating).
    matches = matches.filter((f) => !(f.endsWith('.gz') && matches.includes(f.slice(0, -3))));
    if (matches.length > 1) {
      throw badFile(dir, `holds several IDX sets (${matches.join(', ')}): put each set in its own folder`);
    }
    if (matches.length === 0) {
      const example = { trainImages: 'train-images-idx3-ubyte', trainLabels: 'train-labels-idx1-ubyte', testImages: 't10k-images-idx3-ubyte', testLabels: 't10k-labels-idx1-ubyte' }[role];
      throw new UnlearnError('not-found', `${join(dir, example)}: no such file (an IDX dataset needs ${example}[.gz])`);
    }
    found[role] = join(dir, matches[0]);
  }
  return found as IdxFiles;
}

async function readImagesAndLabels(imagesFile: string, labelsFile: string): Promise<{ images: IdxArray; labels: Int32Array }> {
  const [imageBuf, labelBuf] = await Promise.all([readMaybeGzip(imagesFile), readMaybeGzip(labelsFile)]);
  const images = parseIdx(imageBuf, imagesFile);
  const labelArr = parseIdx(labelBuf, labelsFile);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw badFile(imagesFile, `expected images of shape [n, rows, cols] (or [n, rows, cols, channels]), found [${images.dims.join(', ')}]`);
  }
  if (labelArr.dims.length !== 1) throw badFile(labelsFile, `expected a 1-D label array, found [${labelArr.dims.join(', ')}]`);
  if (labelArr.dims[0] !== images.dims[0]) {
    throw badFile(labelsFile, `has ${labelArr.dims[0]} labels but ${imagesFile} has ${images.dims[0]} images`);
  }
  return { images, labels: Int32Array.from(labelArr.data) };
}

/** EMNIST ships `<set>-mapping.txt`: "label ascii-code" per line. */
async function emnistClassNames(dir: string): Promise<string[] | undefined> {
  const mappings = (await listDir(dir)).files.filter((f) => f.endsWith('-mapping.txt'));
  if (mappings.length !== 1) return undefined;
  const file = join(dir, mappings[0]);
  const names: string[] = [];
  for (const line of (await readDataFile(file)).toString('utf8').split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const [label, code] = line.trim().split(/\s+/).map(Number);
    if (!Number.isInteger(label) || !Number.isInteger(code) || label < 0) throw badFile(file, `unreadable line "${line}"`);
    names[label] = String.fromCodePoint(code);
  }
  return Array.from(names, (n, i) => n ?? String(i));
}

async function classNamesFor(dir: string, maxLabel: number): Promise<string[]> {
  const listed = (await readClassNamesFile(join(dir, 'classes.txt'))) ?? (await emnistClassNames(dir));
  if (listed) return listed;
  if (/fashion/i.test(basename(dir)) && maxLabel < FASHION_MNIST_CLASSES.length) return FASHION_MNIST_CLASSES;
  return Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
}

function checkLabelRange(file: string, labels: Int32Array, classes: number): void {
  const i = labels.findIndex((l) => l >= classes);
  if (i >= 0) throw badFile(file, `label ${labels[i]} at index ${i} is outside 0..${classes - 1} (${classes} classes)`);
}

export interface IdxLoadOptions extends LoadOptions {
  /** Class names when the folder does not say (e.g. the embedded Fashion-MNIST subset). */
  classNames?: string[];
  /** Recorded as the dataset's source instead of the folder path. */
  source?: string;
}

export async function loadIdx(dir: string, opts: IdxLoadOptions = {}): Promise<Dataset> {
  const files = await findIdxFiles(dir);
  const [train, test] = await Promise.all([
    readImagesAndLabels(files.trainImages, files.trainLabels),
    readImagesAndLabels(files.testImages, files.testLabels),
  ]);
  const itemShape = train.images.dims.slice(1);
  const testShape = test.images.dims.slice(1);
  if (itemShape.join() !== testShape.join()) {
    throw badFile(files.testImages, `images are ${testShape.join('×')} but ${files.trainImages} has ${itemShape.join('×')}`);
  }
  let maxLabel = 0;
  for (const l of [train.labels, test.labels]) for (const v of l) if (v > maxLabel) maxLabel = v;
  const classNames = opts.classNames ?? (await classNamesFor(dir, maxLabel));
  checkLabelRange(files.trainLabels, train.labels, classNames.length);
  checkLabelRange(files.testLabels, test.labels, classNames.length);
  return assembleDataset(
    {
      name: opts.name ?? basename(dir),
      source: opts.source ?? dir,
      format: 'idx',
      kind: 'image',
      inputShape: itemShape.length === 2 ? [...itemShape, 1] : itemShape,
      classNames,
      train: { raw: train.images.data, y: train.labels },
      validation: { raw: test.images.data, y: test.labels },
    },
    opts,
  );
}

/** Point counts and image shape from the headers alone (for listings). */
export async function peekIdx(dir: string): Promise<{ trainSize: number; valSize: number; inputShape: number[] }> {
  const files = await findIdxFiles(dir);
  const dims = async (f: string) => headerOf(await readPrefix(f, 64), f).dims;
  const [train, test] = await Promise.all([dims(files.trainImages), dims(files.testImages)]);
  const shape = train.slice(1);
  return { trainSize: train[0], valSize: test[0], inputShape: shape.length === 2 ? [...shape, 1] : shape };
}
