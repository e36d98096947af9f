/**
 * What requests share: loaded datasets (a small cache, since thumbnails, forget-set checks and
 * training all ask for the same cut of the same data in quick succession), stores (checked
 * before a job is queued, swept of dead writers' leftovers once), and forget sets resolved and
 * checked against their dataset.
 */
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Dataset } from '../data/dataset';
import { loadDataset } from '../data/registry';
import { UnlearnError } from '../errors';
import { readForgetSetFile, validateForgetSet, type ForgetSet } from '../forget/forget-set';
import { log } from '../log';
import { Store } from '../store/store';
import type { DatasetRef, ForgetSetSource } from '../../protocol';

const CACHE_SIZE = 3;
const datasets = new Map<string, Promise<Dataset>>();

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function isNamed(spec: string | undefined): boolean {
  const s = spec?.trim();
  return s === undefined || s === '' || s === 'embedded' || s === 'fashion-mnist' || s === 'fashion-mnist-subset';
}

export function datasetFor(ref: DatasetRef): Promise<Dataset> {
  // A path's modification time is part of the key so a dataset edited on disk is read again.
  const key = JSON.stringify([ref.spec ?? '', ref.format, ref.trainSize, ref.valSize, ref.labelColumn, ref.splitSeed, isNamed(ref.spec) ? 0 : mtimeOf(resolve(ref.spec ?? ''))]);
  const hit = datasets.get(key);
  if (hit) {
    datasets.delete(key);
    datasets.set(key, hit);
    return hit;
  }
  const loading = loadDataset(ref.spec, { format: ref.format, trainSize: ref.trainSize, valSize: ref.valSize, labelColumn: ref.labelColumn, splitSeed: ref.splitSeed });
  datasets.set(key, loading);
  loading.catch(() => datasets.delete(key));
  while (datasets.size > CACHE_SIZE) datasets.delete(datasets.keys().next().value as string);
  return loading;
}

const swept = new Set<string>();

/**
 * Opens a store. For writing, the folder must be creatable now: a job that can only fail at its
 * last step (the write) should fail before it is queued instead.
 */
export function openStore(root: string, mode: 'read' | 'write'): Store {
  const store = new Store(root);
  let kind: 'dir' | 'other' | 'missing' = 'missing';
  try {
    kind = statSync(store.root).isDirectory() ? 'dir' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new UnlearnError('io', `store ${store.root}: a parent of this path is a file, not a folder`);
    if (code !== 'ENOENT') throw new UnlearnError('io', `store ${store.root}: cannot be read (${(e as Error).message})`);
  }
  if (kind === 'other') throw new UnlearnError('io', `store ${store.root} is a file, not a folder: choose another store folder (setting unlearn.storeDir)`);
  if (mode === 'write' && kind === 'missing') {
    try {
      mkdirSync(store.root, { recursive: true });
    } catch (e) {
      throw new UnlearnError('io', `store ${store.root}: cannot create the folder (${(e as Error).message})`);
    }
  }
  // Writers sweep (once per engine): readers such as listResults report their own sweep.
  if (mode === 'write' && !swept.has(store.root)) {
    swept.add(store.root);
    try {
      const n = store.sweepTemporaries();
      if (n > 0) log.info(`store ${store.root}: removed ${n} unfinished write(s) left by stopped processes`);
    } catch (e) {
      log.warn(`store ${store.root}: could not sweep unfinished writes (${(e as Error).message})`);
    }
  }
  return store;
}

export async function resolveForgetSet(src: ForgetSetSource, ds: Dataset): Promise<ForgetSet> {
  const set = src.set ?? (await readForgetSetFile(src.file as string));
  try {
    return validateForgetSet(set, { datasetId: ds.id, nTrain: ds.train.n });
  } catch (e) {
    if (e instanceof UnlearnError && src.file) throw new UnlearnError(e.code, `${src.file}: ${e.message}`);
    throw e;
  }
}

export function perClassCounts(ds: Dataset, indices: readonly number[]): number[] {
  const counts = ds.classNames.map(() => 0);
  for (const i of indices) if (i >= 0 && i < ds.train.n) counts[ds.train.y[i]]++;
  return counts;
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new UnlearnError('cancelled', 'cancelled');
}
