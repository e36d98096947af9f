/**
 * CSV: a header row, a label column (`label` unless configured) and numeric feature columns.
 * Either a folder with train.csv + val.csv (or validation.csv, test.csv), or one .csv file
 * (or a folder with exactly one) split 80/20 per class with a seeded shuffle.
 * Labels that are all non-negative integers are class indices; otherwise the class names are
 * the sorted distinct labels.
 */
import { basename, extname, join } from 'node:path';
import { badFile, UnlearnError } from '../errors';
import { assembleDataset } from './assemble';
import type { Dataset } from './dataset';
import { listDir, pathKind, readDataFile } from './files';
import { VALIDATION_FRACTION, type LoadOptions } from './load-options';
import { stratifiedSplit } from './split';

const VALIDATION_FILES = ['val.csv', 'validation.csv', 'test.csv'];

interface Table {
  file: string;
  features: string[];
  /** rows × features.length */
  values: Float64Array;
  labels: string[];
  /** 1-based line number of each row, for errors. */
  lines: number[];
}

/** One CSV line into fields; double quotes may wrap a field, "" inside them is a quote. */
function splitLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field.trim());
      field = '';
    } else field += ch;
  }
  fields.push(field.trim());
  return fields;
}

function parseTable(text: string, file: string, labelColumn: string): Table {
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerAt = rows.findIndex((r) => r.trim() !== '');
  if (headerAt < 0) throw badFile(file, 'is empty: expected a header row and data rows');
  const header = splitLine(rows[headerAt]);
  const labelAt = header.indexOf(labelColumn);
  if (labelAt < 0) {
    throw badFile(file, `no "${labelColumn}" column in the header (columns: ${header.join(', ')}); name the label column in the options`);
  }
  const features = header.filter((_, i) => i !== labelAt);
  if (features.length === 0) throw badFile(file, 'has a label column but no feature columns');
  const values: number[] = [];
  const labels: string[] = [];
  const lines: number[] = [];
  for (let r = headerAt + 1; r < rows.length; r++) {
    if (rows[r].trim() === '') continue;
    const cells = splitLine(rows[r]);
    if (cells.length !== header.length) {
      throw badFile(file, `line ${r + 1} has ${cells.length} cells, the header has ${header.length}`);
    }
    for (let c = 0; c < cells.length; c++) {
      if (c === labelAt) continue;
      const v = cells[c] === '' ? NaN : Number(cells[c]);
      if (!Number.isFinite(v)) {
        throw badFile(file, `line ${r + 1}, column "${header[c]}": ${JSON.stringify(cells[c])} is not a number`);
      }
      values.push(v);
    }
    if (cells[labelAt] === '') throw badFile(file, `line ${r + 1}: empty label`);
    labels.push(cells[labelAt]);
    lines.push(r + 1);
  }
  return { file, features, values: Float64Array.from(values), labels, lines };
}

async function readTable(file: string, labelColumn: string): Promise<Table> {
  return parseTable((await readDataFile(file)).toString('utf8'), file, labelColumn);
}

/** Puts `t`'s columns in `order` (validation files may order their columns differently). */
function reorder(t: Table, order: string[], reference: string): Table {
  if (t.features.join('\u0000') === order.join('\u0000')) return t;
  const missing = order.filter((f) => !t.features.includes(f));
  const extra = t.features.filter((f) => !order.includes(f));
  if (missing.length > 0 || extra.length > 0) {
    throw badFile(t.file, `columns differ from ${reference}` + (missing.length ? ` (missing: ${missing.join(', ')})` : '') + (extra.length ? ` (extra: ${extra.join(', ')})` : ''));
  }
  const from = order.map((f) => t.features.indexOf(f));
  const d = order.length;
  const values = new Float64Array(t.values.length);
  for (let r = 0; r < t.labels.length; r++) for (let c = 0; c < d; c++) values[r * d + c] = t.values[r * d + from[c]];
  return { ...t, features: order, values };
}

const INDEX = /^\d+$/;

function labelEncoding(tables: Table[]): { classNames: string[]; encode: (t: Table) => Int32Array } {
  const all = tables.flatMap((t) => t.labels);
  const numeric = all.every((l) => Number.isFinite(Number(l)));
  if (numeric) {
    for (const t of tables) {
      const i = t.labels.findIndex((l) => !INDEX.test(l));
      if (i >= 0) throw badFile(t.file, `line ${t.lines[i]}: label ${t.labels[i]} is out of range: numeric labels must be class indices 0, 1, 2, …`);
    }
    const max = all.reduce((m, l) => Math.max(m, Number(l)), 0);
    return {
      classNames: Array.from({ length: max + 1 }, (_, i) => String(i)),
      encode: (t) => Int32Array.from(t.labels, Number),
    };
  }
  const classNames = [...new Set(all)].sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  return { classNames, encode: (t) => Int32Array.from(t.labels, (l) => index.get(l) ?? -1) };
}

function rows(t: Table, picked: number[]): Table {
  const d = t.features.length;
  const values = new Float64Array(picked.length * d);
  picked.forEach((r, k) => values.set(t.values.subarray(r * d, (r + 1) * d), k * d));
  return { ...t, values, labels: picked.map((r) => t.labels[r]), lines: picked.map((r) => t.lines[r]) };
}

async function csvFiles(path: string): Promise<{ train: string; validation?: string }> {
  if ((await pathKind(path)) === 'file') return { train: path };
  const { files } = await listDir(path);
  const val = VALIDATION_FILES.find((f) => files.includes(f));
  if (files.includes('train.csv')) return { train: join(path, 'train.csv'), validation: val && join(path, val) };
  const csvs = files.filter((f) => extname(f).toLowerCase() === '.csv');
  if (csvs.length === 1) return { train: join(path, csvs[0]) };
  if (csvs.length === 0) throw new UnlearnError('not-found', `${join(path, 'train.csv')}: no such file (a CSV dataset needs train.csv, or a single .csv file)`);
  throw badFile(path, `holds several CSV files (${csvs.join(', ')}) but no train.csv: name them train.csv and val.csv, or point at one file`);
}

export function looksLikeCsv(files: readonly string[]): boolean {
  return files.some((f) => extname(f).toLowerCase() === '.csv');
}

export async function loadCsv(path: string, opts: LoadOptions = {}): Promise<Dataset> {
  const labelColumn = opts.labelColumn ?? 'label';
  const files = await csvFiles(path);
  let train = await readTable(files.train, labelColumn);
  let validation: Table;
  if (files.validation !== undefined) {
    validation = reorder(await readTable(files.validation, labelColumn), train.features, files.train);
  } else {
    const whole = train;
    const split = stratifiedSplit(labelEncoding([whole]).encode(whole), VALIDATION_FRACTION, opts.splitSeed ?? 0);
    train = rows(whole, split.train);
    validation = rows(whole, split.validation);
  }
  const { classNames, encode } = labelEncoding([train, validation]);
  const name = opts.name ?? basename(path, extname(path));
  return assembleDataset(
    {
      name,
      source: path,
      format: 'csv',
      kind: 'features',
      inputShape: [train.features.length],
      classNames,
      train: { raw: train.values, y: encode(train) },
      validation: { raw: validation.values, y: encode(validation) },
    },
    opts,
  );
}
