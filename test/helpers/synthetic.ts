import type { Dataset } from '../../src/engine/data/dataset';
import { makeForgetSet } from '../../src/engine/forget/forget-set';
import type { CompareRequest } from '../../src/engine/recipes/compare';
import { parseTrainConfig } from '../../src/engine/train/config';

/** Small seeded synthetic classification data for tests that need no real dataset. */
export function syntheticData(n: number, d: number, C: number, seed = 1): { x: Float32Array; y: Int32Array } {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const centres = Array.from({ length: C }, () => Array.from({ length: d }, () => rand() * 2 - 1));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % C;
    y[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[c][j] + (rand() - 0.5) * 1.5;
  }
  return { x, y };
}

/** A tiny in-memory dataset (d = 6 features, 3 classes) for tests of ensembles and methods. */
export function syntheticDataset(id: string, nTrain: number, nVal: number): Dataset {
  const tr = syntheticData(nTrain, 6, 3, 1);
  const va = syntheticData(nVal, 6, 3, 2);
  return {
    id,
    name: 'synthetic',
    source: 'test',
    format: 'npy',
    inputShape: [6],
    classNames: ['a', 'b', 'c'],
    train: { x: tr.x, y: tr.y, n: nTrain },
    validation: { x: va.x, y: va.y, n: nVal },
    normalisation: { scale: 1, mean: [0], std: [1] },
  };
}

/** A comparison small enough for a unit test: 40 + 20 synthetic points, N = 3 MLPs, |F| = 5. */
export function tinyCompareRequest(datasetId: string, rest: Pick<CompareRequest, 'methods'> & Partial<CompareRequest>): CompareRequest {
  const dataset = syntheticDataset(datasetId, 40, 20);
  return {
    dataset,
    model: { kind: 'mlp', hidden: [8] },
    config: parseTrainConfig({ lr: 0.05, batchSize: 16, epochs: 3 }),
    n: 3,
    groupSize: 2,
    forgetSet: makeForgetSet({ name: 'f5', datasetId: dataset.id, kind: 'manual', indices: [1, 7, 12, 20, 33], params: {} }),
    ...rest,
  };
}
