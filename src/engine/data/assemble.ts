/**
 * The common tail of every loader: cut each split to the requested size, check labels,
 * normalise with training-split statistics, and name the data by a hash of its content.
 */
import { createHash } from 'node:crypto';
import { badFile, UnlearnError } from '../errors';
import type { Dataset, DatasetSplit, Normalisation } from './dataset';
import type { LoadOptions } from './load-options';

export type RawValues = Uint8Array | Float32Array | Float64Array | Int32Array;

export interface RawSplit {
  /** Values as stored, n × prod(inputShape), row-major (images NHWC). */
  raw: RawValues;
  y: Int32Array;
}

export interface RawDataset {
  name: string;
  source: string;
  format: Dataset['format'];
  /** Images are 8-bit pixels scaled by 1/255 and standardised per channel; features per feature. */
  kind: 'image' | 'features';
  inputShape: number[];
  classNames: string[];
  train: RawSplit;
  validation: RawSplit;
}

const MIN_STD = 1e-8;

export function checkSize(value: number | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new UnlearnError('bad-config', `${option} must be a positive integer, got ${value}`);
  }
  return value;
}

/** The first `n` points (a copy, so a big source buffer can be freed). */
function firstPoints(split: RawSplit, n: number | undefined, size: number): RawSplit {
  const count = split.y.length;
  if (n === undefined || n >= count) return split;
  return { raw: split.raw.slice(0, n * size), y: split.y.slice(0, n) };
}

function checkLabels(source: string, which: string, y: Int32Array, classes: number): void {
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0 || y[i] >= classes) {
      throw badFile(source, `${which} point ${i} has label ${y[i]}, outside 0..${classes - 1}`);
    }
  }
}

/** Per-group sums of v and v² over raw/scale; 8-bit data is histogrammed (exact and fast). */
function moments(raw: RawValues, groups: number, scale: number): { sum: Float64Array; sumSq: Float64Array } {
  const sum = new Float64Array(groups);
  const sumSq = new Float64Array(groups);
  if (raw instanceof Uint8Array) {
    const hist = new Float64Array(groups * 256);
    for (let i = 0, g = 0; i < raw.length; i++) {
      hist[g * 256 + raw[i]]++;
      if (++g === groups) g = 0;
    }
    for (let g = 0; g < groups; g++) {
      for (let b = 0; b < 256; b++) {
        const v = b / scale;
        sum[g] += hist[g * 256 + b] * v;
        sumSq[g] += hist[g * 256 + b] * v * v;
      }
    }
    return { sum, sumSq };
  }
  for (let i = 0, g = 0; i < raw.length; i++) {
    const v = raw[i] / scale;
    sum[g] += v;
    sumSq[g] += v * v;
    if (++g === groups) g = 0;
  }
  return { sum, sumSq };
}

function statistics(raw: RawValues, groups: number, scale: number): { mean: number[]; std: number[] } {
  const { sum, sumSq } = moments(raw, groups, scale);
  const count = raw.length / groups;
  const mean: number[] = [];
  const std: number[] = [];
  for (let g = 0; g < groups; g++) {
    const m = sum[g] / count;
    const sd = Math.sqrt(Math.max(0, sumSq[g] / count - m * m));
    mean.push(m);
    // A constant channel or feature carries no information; dividing by ~0 would blow it up.
    std.push(sd > MIN_STD ? sd : 1);
  }
  return { mean, std };
}

function normalise(raw: RawValues, norm: Normalisation): Float32Array {
  const groups = norm.mean.length;
  const factor = Float64Array.from(norm.std, (s) => 1 / (s * norm.scale));
  const offset = Float64Array.from(norm.mean, (m, g) => m / norm.std[g]);
  const x = new Float32Array(raw.length);
  if (raw instanceof Uint8Array) {
    // 256 possible values per channel: look them up instead of computing each.
    const table = new Float32Array(groups * 256);
    for (let g = 0; g < groups; g++) for (let b = 0; b < 256; b++) table[g * 256 + b] = b * factor[g] - offset[g];
    if (groups === 1) {
      for (let i = 0; i < raw.length; i++) x[i] = table[raw[i]];
    } else {
      for (let i = 0, g = 0; i < raw.length; i++) {
        x[i] = table[g * 256 + raw[i]];
        if (++g === groups) g = 0;
      }
    }
    return x;
  }
  for (let i = 0, g = 0; i < raw.length; i++) {
    x[i] = raw[i] * factor[g] - offset[g];
    if (++g === groups) g = 0;
  }
  return x;
}

function contentId(name: string, train: RawSplit, validation: RawSplit): string {
  const h = createHash('sha256');
  for (const s of [train, validation]) {
    h.update(new Uint8Array(s.y.buffer, s.y.byteOffset, s.y.byteLength));
    h.update(new Uint8Array(s.raw.buffer, s.raw.byteOffset, s.raw.byteLength));
  }
  return `${name}-${h.digest('hex').slice(0, 12)}`;
}

export function assembleDataset(data: RawDataset, opts: LoadOptions): Dataset {
  const size = data.inputShape.reduce((a, b) => a * b, 1);
  const train = firstPoints(data.train, checkSize(opts.trainSize, 'trainSize'), size);
  const validation = firstPoints(data.validation, checkSize(opts.valSize, 'valSize'), size);
  if (train.y.length === 0) throw badFile(data.source, 'empty dataset: the training split has no points');
  if (validation.y.length === 0) throw badFile(data.source, 'empty dataset: the validation split has no points');
  for (const [which, s] of [
    ['training', train],
    ['validation', validation],
  ] as const) {
    if (s.raw.length !== s.y.length * size) {
      throw new Error(`loader bug: ${which} split of ${data.source} has ${s.raw.length} values for ${s.y.length} points`);
    }
    checkLabels(data.source, which, s.y, data.classNames.length);
  }

  const image = data.kind === 'image';
  const scale = image ? 255 : 1;
  const groups = image ? data.inputShape[data.inputShape.length - 1] : size;
  const normalisation: Normalisation = { scale, ...statistics(train.raw, groups, scale), per: image ? 'channel' : 'feature' };
  const split = (s: RawSplit): DatasetSplit => ({
    x: normalise(s.raw, normalisation),
    y: s.y,
    n: s.y.length,
    ...(image ? { pixels: s.raw instanceof Uint8Array ? s.raw : Uint8Array.from(s.raw) } : {}),
  });
  return {
    id: contentId(data.name, train, validation),
    name: data.name,
    source: data.source,
    format: data.format,
    inputShape: data.inputShape,
    classNames: data.classNames,
    train: split(train),
    validation: split(validation),
    normalisation,
  };
}
