/**
 * Reads `--forget-set FILE` and checks it against the dataset it will be used with. Without a
 * file, the preset's default set (random, seed 0) is used, created on first use, so the main
 * job runs with no preparation.
 */
import { existsSync } from 'node:fs';
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import { forgetSetToJson, makeForgetSet, readForgetSetFile, validateForgetSet, type ForgetSet } from '../forget/forget-set';
import { randomForgetSet } from '../forget/generators';
import { log } from '../log';
import { writeFileAtomic } from '../store/atomic';

export async function forgetSetFor(file: string | undefined, dataset: Dataset, defaultSize?: number): Promise<ForgetSet> {
  if (!file) {
    if (defaultSize === undefined) throw new UnlearnError('bad-config', 'this needs --forget-set FILE (make one with `unlearn forget-set create --random 100`)');
    return defaultForgetSet(dataset, defaultSize);
  }
  const set = await readForgetSetFile(file);
  try {
    return validateForgetSet(set, { datasetId: dataset.id, nTrain: dataset.train.n });
  } catch (e) {
    if (e instanceof UnlearnError) throw new UnlearnError(e.code, `${file}: ${e.message}`);
    throw e;
  }
}

async function defaultForgetSet(dataset: Dataset, k: number): Promise<ForgetSet> {
  const name = `random-${k}-seed0`;
  const file = `forget-sets/${dataset.id}/${name}.forget.json`;
  if (existsSync(file)) return forgetSetFor(file, dataset);
  const draft = randomForgetSet(dataset.train.n, k, 0);
  const set = makeForgetSet({ name, datasetId: dataset.id, kind: draft.kind, indices: draft.indices, params: draft.params, seed: draft.seed });
  writeFileAtomic(file, forgetSetToJson(set));
  log.info(`no --forget-set given: using ${file} (${k} random training points, seed 0)`);
  return set;
}
