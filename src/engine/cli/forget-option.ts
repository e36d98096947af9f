/** Reads `--forget-set FILE` and checks it against the dataset it will be used with. */
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import { readForgetSetFile, validateForgetSet, type ForgetSet } from '../forget/forget-set';

export async function forgetSetFor(file: string | undefined, dataset: Dataset): Promise<ForgetSet> {
  if (!file) throw new UnlearnError('bad-config', 'this needs --forget-set FILE (make one with `unlearn forget-set create --random 100`)');
  const set = await readForgetSetFile(file);
  try {
    return validateForgetSet(set, { datasetId: dataset.id, nTrain: dataset.train.n });
  } catch (e) {
    if (e instanceof UnlearnError) throw new UnlearnError(e.code, `${file}: ${e.message}`);
    throw e;
  }
}
