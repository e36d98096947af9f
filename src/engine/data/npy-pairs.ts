/**
 * NumPy arrays: a folder with x_train.npy, y_train.npy, x_val.npy, y_val.npy (x_test/y_test
 * also accepted for validation). x is [n, ...]; y is [n] or [n, 1] of integer class indices.
 * uint8 x of shape [n, H, W] or [n, H, W, C≤4] is treated as images (scaled by 1/255 and
 * standardised per channel); anything else as feature vectors standardised per feature.
 * Class names come from an optional classes.txt (one per line), else "0", "1", ….
 */
import { basename, join } from 'node:path';
import { badFile, UnlearnError } from '../errors';
import { readNpy, type NpyArray } from '../store/npy';
import { assembleDataset } from './assemble';
import type { Dataset } from './dataset';
import { listDir, readClassNamesFile } from './files';
import type { LoadOptions } from './load-options';

export function looksLikeNpyPairs(files: readonly string[]): boolean {
  return files.includes('x_train.npy');
}

async function pairFiles(dir: string): Promise<{ xTrain: string; yTrain: string; xVal: string; yVal: string }> {
  const { files } = await listDir(dir);
  const need = (f: string) => {
    if (!files.includes(f)) throw new UnlearnError('not-found', `${join(dir, f)}: no such file (an .npy dataset needs x_train.npy, y_train.npy, x_val.npy, y_val.npy)`);
    return join(dir, f);
  };
  const val = files.includes('x_val.npy') || !files.includes('x_test.npy') ? 'val' : 'test';
  return { xTrain: need('x_train.npy'), yTrain: need('y_train.npy'), xVal: need(`x_${val}.npy`), yVal: need(`y_${val}.npy`) };
}

function labelsOf(y: NpyArray, file: string, rows: number, xFile: string): Int32Array {
  const n = y.shape[0];
  if (y.shape.length === 0 || y.shape.length > 2 || (y.shape.length === 2 && y.shape[1] !== 1)) {
    throw badFile(file, `labels must have shape [n] or [n, 1], found [${y.shape.join(', ')}]`);
  }
  if (n !== rows) throw badFile(file, `has ${n} labels but ${xFile} has ${rows} rows`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y.data[i];
    if (!Number.isInteger(v) || v < 0) throw badFile(file, `label ${v} at index ${i} is out of range: labels must be class indices 0, 1, 2, …`);
    out[i] = v;
  }
  return out;
}

function checkFinite(x: NpyArray, file: string): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') return;
  const i = x.data.findIndex((v: number) => !Number.isFinite(v));
  if (i >= 0) throw badFile(file, `holds a non-finite value (${x.data[i]}) at flat index ${i}`);
}

function isImageArray(x: NpyArray): boolean {
  return x.dtype === 'uint8' && (x.shape.length === 3 || (x.shape.length === 4 && x.shape[3] <= 4));
}

export async function loadNpyPairs(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const f = await pairFiles(dir);
  const [xTrain, yTrain, xVal, yVal] = await Promise.all([readNpy(f.xTrain), readNpy(f.yTrain), readNpy(f.xVal), readNpy(f.yVal)]);
  if (xTrain.shape.length < 2) throw badFile(f.xTrain, `inputs must have shape [n, ...], found [${xTrain.shape.join(', ')}]`);
  const itemShape = xTrain.shape.slice(1);
  if (xVal.shape.slice(1).join() !== itemShape.join() || xVal.dtype !== xTrain.dtype) {
    throw badFile(f.xVal, `is ${xVal.dtype} [${xVal.shape.join(', ')}] but ${f.xTrain} is ${xTrain.dtype} [n, ${itemShape.join(', ')}]`);
  }
  checkFinite(xTrain, f.xTrain);
  checkFinite(xVal, f.xVal);
  const train = { raw: xTrain.data, y: labelsOf(yTrain, f.yTrain, xTrain.shape[0], f.xTrain) };
  const validation = { raw: xVal.data, y: labelsOf(yVal, f.yVal, xVal.shape[0], f.xVal) };

  const namesFile = join(dir, 'classes.txt');
  const listed = await readClassNamesFile(namesFile);
  let max = 0;
  for (const s of [train, validation]) for (const v of s.y) max = Math.max(max, v);
  if (listed && max >= listed.length) {
    const [file, y] = train.y.includes(max) ? [f.yTrain, train.y] : [f.yVal, validation.y];
    throw badFile(file, `label ${max} at index ${y.indexOf(max)} is out of range: ${namesFile} names ${listed.length} classes`);
  }
  const image = isImageArray(xTrain);
  return assembleDataset(
    {
      name: opts.name ?? basename(dir),
      source: dir,
      format: 'npy',
      kind: image ? 'image' : 'features',
      inputShape: image && itemShape.length === 2 ? [...itemShape, 1] : itemShape,
      classNames: listed ?? Array.from({ length: max + 1 }, (_, i) => String(i)),
      train,
      validation,
    },
    opts,
  );
}
