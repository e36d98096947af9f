/**
 * One way to turn a forget-set generator (the protocol's `forgetGeneratorSchema`, also what the
 * CLI's flags build) into a draft on a dataset: the engine's request handler and `unlearn
 * forget-set create` both call this.
 */
import type { z } from 'zod';
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import type { forgetGeneratorSchema } from '../../protocol/schemas';
import { readNpy } from '../store/npy';
import { classForgetSet, nearestNeighboursForgetSet, principalComponentForgetSet, randomForgetSet, type ForgetSetDraft } from './generators';

export type ForgetGenerator = z.output<typeof forgetGeneratorSchema>;

/**
 * A matrix with one row per training point, from a .npy file of two or more dimensions: the
 * trailing dimensions are flattened, so a datamodel β [n × P × C] is read as [n × P·C].
 */
export async function readTrainingPointMatrix(file: string, n: number): Promise<{ data: Float32Array | Float64Array; columns: number }> {
  const m = await readNpy(file);
  if (m.shape.length < 2 || m.shape[0] !== n) {
    throw new UnlearnError('bad-file', `${file}: expected an array of 2 or more dimensions with ${n} rows (one per training point), got shape [${m.shape.join(', ')}]`);
  }
  if (!(m.data instanceof Float32Array || m.data instanceof Float64Array)) throw new UnlearnError('bad-file', `${file}: expected float32 or float64 values, got ${m.dtype}`);
  return { data: m.data, columns: m.shape.slice(1).reduce((a, b) => a * b, 1) };
}

export async function draftForgetSet(g: ForgetGenerator, ds: Dataset): Promise<ForgetSetDraft> {
  const n = ds.train.n;
  switch (g.kind) {
    case 'random':
      return randomForgetSet(n, g.k, g.seed);
    case 'class':
      if (g.class < 0 || g.class >= ds.classNames.length) throw new UnlearnError('bad-forget-set', `class ${g.class} does not exist: ${ds.name} has classes 0..${ds.classNames.length - 1}`);
      return classForgetSet(ds.train.y, g.class);
    case 'nearest-neighbours':
      if (g.anchor < 0 || g.anchor >= n) throw new UnlearnError('bad-forget-set', `anchor ${g.anchor} is outside the training set 0..${n - 1}`);
      return nearestNeighboursForgetSet(ds.train.x, n, ds.train.x.length / n, g.anchor, g.k, { space: 'pixel' });
    case 'principal-component': {
      const m = await readTrainingPointMatrix(g.matrix, n);
      return principalComponentForgetSet(m.data, n, m.columns, { component: g.component, k: g.k, side: g.side, space: 'matrix', seed: g.seed });
    }
    case 'manual':
      return { kind: 'manual', indices: [...new Set(g.indices)].sort((a, b) => a - b), params: {} };
  }
}
