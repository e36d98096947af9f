/**
 * Turns what a person names ("embedded", "fashion-mnist", a path) into a Dataset, sniffing
 * the format of a path from the files it holds, and lists what is available without a path.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { badFile, UnlearnError } from '../errors';
import { log } from '../log';
import { CIFAR_SUBFOLDERS, loadCifar, looksLikeCifar } from './cifar';
import { loadCsv, looksLikeCsv } from './csv';
import type { Dataset } from './dataset';
import { listDir, pathKind } from './files';
import { FASHION_MNIST_CLASSES, loadIdx, looksLikeIdx, peekIdx } from './idx';
import { loadImageFolder, looksLikeImageFolder } from './image-folder';
import type { LoadOptions } from './load-options';
import { loadNpyPairs, looksLikeNpyPairs } from './npy-pairs';

export type DatasetFormat = Dataset['format'];

export interface LoadDatasetOptions extends LoadOptions {
  /** Skip sniffing and read the path as this format. */
  format?: DatasetFormat;
}

export const EMBEDDED_NAME = 'fashion-mnist-subset';
/** Where Debian's dataset-fashion-mnist package puts the full set. */
export const SYSTEM_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/**
 * The embedded subset sits in media/data beside the code: dist/ → ../media when bundled,
 * src/engine/data/ → ../../../media under tsx; searching upward serves both.
 */
export function embeddedDatasetDir(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'media', 'data', EMBEDDED_NAME);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new UnlearnError('not-found', `media/data/${EMBEDDED_NAME}: the embedded dataset is missing (searched upward from ${start})`);
}

function loadEmbedded(opts: LoadOptions): Promise<Dataset> {
  return loadIdx(embeddedDatasetDir(), { ...opts, name: opts.name ?? EMBEDDED_NAME, source: `embedded:${EMBEDDED_NAME}`, classNames: FASHION_MNIST_CLASSES });
}

const LOADERS: Record<DatasetFormat, (path: string, opts: LoadOptions) => Promise<Dataset>> = {
  idx: loadIdx,
  cifar: loadCifar,
  'image-folder': loadImageFolder,
  csv: loadCsv,
  npy: loadNpyPairs,
};

const EXPECTED =
  'expected IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-…), ' +
  'CIFAR binary batches (data_batch_1.bin … test_batch.bin, or train.bin + test.bin), ' +
  'one sub-folder of PNG/JPEG images per class, a CSV file with a label column, ' +
  'or x_train.npy + y_train.npy + x_val.npy + y_val.npy';

/** The format of a dataset path, and the folder to read (CIFAR archives unpack one level down). */
export async function sniffFormat(path: string): Promise<{ format: DatasetFormat; path: string }> {
  const kind = await pathKind(path);
  if (kind === undefined) throw new UnlearnError('not-found', `${path}: no such file or folder`);
  if (kind === 'file') {
    if (path.toLowerCase().endsWith('.csv')) return { format: 'csv', path };
    throw badFile(path, `is not a dataset: ${EXPECTED} (name the folder that holds them)`);
  }
  const { files, dirs } = await listDir(path);
  if (looksLikeNpyPairs(files)) return { format: 'npy', path };
  if (looksLikeIdx(files)) return { format: 'idx', path };
  if (looksLikeCifar(files)) return { format: 'cifar', path };
  const inner = CIFAR_SUBFOLDERS.find((d) => dirs.includes(d));
  if (inner !== undefined && looksLikeCifar((await listDir(join(path, inner))).files)) return { format: 'cifar', path: join(path, inner) };
  if (looksLikeCsv(files)) return { format: 'csv', path };
  if (await looksLikeImageFolder(path)) return { format: 'image-folder', path };
  throw badFile(path, `is not a dataset: ${EXPECTED}`);
}

/**
 * `undefined`, '' or 'embedded' → the embedded Fashion-MNIST subset; 'fashion-mnist' → the
 * system copy if installed, else the embedded subset; anything else is a path.
 */
export async function loadDataset(spec: string | undefined, opts: LoadDatasetOptions = {}): Promise<Dataset> {
  const started = performance.now();
  const dataset = await resolveAndLoad(spec?.trim(), opts);
  log.debug(`loaded ${dataset.id} (${dataset.train.n} train, ${dataset.validation.n} validation) in ${Math.round(performance.now() - started)} ms`);
  return dataset;
}

async function resolveAndLoad(spec: string | undefined, opts: LoadDatasetOptions): Promise<Dataset> {
  if (spec === undefined || spec === '' || spec === 'embedded' || spec === EMBEDDED_NAME) return loadEmbedded(opts);
  if (spec === 'fashion-mnist') {
    if (existsSync(SYSTEM_FASHION_MNIST)) return loadIdx(SYSTEM_FASHION_MNIST, { ...opts, classNames: FASHION_MNIST_CLASSES });
    log.info(`${SYSTEM_FASHION_MNIST} not found (Debian package dataset-fashion-mnist): using the embedded ${EMBEDDED_NAME} instead`);
    return loadEmbedded(opts);
  }
  const path = resolve(spec);
  if (opts.format !== undefined) {
    if ((await pathKind(path)) === undefined) throw new UnlearnError('not-found', `${path}: no such file or folder`);
    return LOADERS[opts.format](path, opts);
  }
  const sniffed = await sniffFormat(path);
  log.debug(`${path}: reading as ${sniffed.format}`);
  return LOADERS[sniffed.format](sniffed.path, opts);
}

export interface DatasetInfo {
  /** What to pass to loadDataset. */
  spec: string;
  name: string;
  source: string;
  format: DatasetFormat;
  trainSize: number;
  valSize: number;
  inputShape: number[];
  numClasses: number;
}

/** The datasets available without naming a path (read from headers only, so it is quick). */
export async function listDatasets(): Promise<DatasetInfo[]> {
  const out: DatasetInfo[] = [];
  const embedded = await peekIdx(embeddedDatasetDir());
  out.push({ spec: 'embedded', name: EMBEDDED_NAME, source: `embedded:${EMBEDDED_NAME}`, format: 'idx', numClasses: FASHION_MNIST_CLASSES.length, ...embedded });
  if (existsSync(SYSTEM_FASHION_MNIST)) {
    try {
      const system = await peekIdx(SYSTEM_FASHION_MNIST);
      out.push({ spec: 'fashion-mnist', name: basename(SYSTEM_FASHION_MNIST), source: SYSTEM_FASHION_MNIST, format: 'idx', numClasses: FASHION_MNIST_CLASSES.length, ...system });
    } catch (e) {
      log.warn(`${SYSTEM_FASHION_MNIST} is present but unreadable: ${(e as Error).message}`);
    }
  }
  return out;
}
