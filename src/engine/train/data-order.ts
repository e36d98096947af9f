/**
 * Per-model, per-epoch data order drawn from the model's seed alone, so a model sees the same
 * minibatches whether it is trained alone or in any ensemble.
 */
import { Rng } from '../util/rng';
import { deriveSeed } from '../util/seed';

/** A shuffled copy of `indices` for one model's epoch. */
export function epochOrder(modelSeed: number, epoch: number, indices: Int32Array): Int32Array {
  return new Rng(deriveSeed(modelSeed, 'order', epoch)).shuffle(Int32Array.from(indices));
}
