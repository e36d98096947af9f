/**
 * NumPy `.npy` files, so Python users can load results with `np.load` and bring arrays in.
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * The writer reproduces numpy's own header layout byte for byte (key order, growth padding,
 * 64-byte alignment), so a file we write is indistinguishable from one `np.save` writes.
 */
import { readFile } from 'node:fs/promises';
import { badFile, UnlearnError } from '../errors';

export type NpyDtype = 'float32' | 'float64' | 'int32' | 'uint8' | 'bool';

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** C-order values; `bool` is one byte (0 or 1) per element, `int64` files arrive as int32. */
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"
const ALIGN = 64;
// numpy leaves room for the first axis to grow to this many digits without a rewrite.
const GROWTH_AXIS_MAX_DIGITS = 21;

const DESCR: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  uint8: '|u1',
  bool: '|b1',
};

const BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, uint8: 1, bool: 1 };

export function npyElementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function pythonTuple(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** The header numpy writes for an array of this dtype and shape (the data follows it). */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Buffer {
  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${pythonTuple(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const text = Buffer.from(dict, 'latin1');
  // Version 1.0 stores the header length in 2 bytes; beyond that numpy switches to 2.0.
  for (const [major, lenBytes] of [
    [1, 2],
    [2, 4],
  ] as const) {
    const hlen = text.length + 1; // + the closing newline
    const padlen = ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ALIGN);
    const total = hlen + padlen;
    if (lenBytes === 2 && total > 0xffff) continue;
    const prefix = Buffer.alloc(MAGIC.length + 2 + lenBytes);
    MAGIC.copy(prefix);
    prefix[6] = major;
    prefix[7] = 0;
    if (lenBytes === 2) prefix.writeUInt16LE(total, 8);
    else prefix.writeUInt32LE(total, 8);
    return Buffer.concat([prefix, text, Buffer.alloc(padlen, 0x20), Buffer.from('\n')]);
  }
  throw new UnlearnError('io', 'npy header too large');
}

function checkArray(array: NpyArray): void {
  if (!(array.dtype in DESCR)) throw new UnlearnError('io', `cannot write dtype ${String(array.dtype)} to .npy`);
  for (const d of array.shape) {
    if (!Number.isInteger(d) || d < 0) throw new UnlearnError('io', `bad .npy shape [${array.shape.join(', ')}]`);
  }
  const n = npyElementCount(array.shape);
  if (array.data.length !== n) {
    throw new UnlearnError('io', `.npy shape [${array.shape.join(', ')}] needs ${n} values, got ${array.data.length}`);
  }
  const expected = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array, bool: Uint8Array }[
    array.dtype
  ];
  if (!(array.data instanceof expected)) {
    throw new UnlearnError('io', `.npy dtype ${array.dtype} needs a ${expected.name}, got ${array.data.constructor.name}`);
  }
}

const isLittleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapBytesInPlace(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

export function encodeNpy(array: NpyArray): Buffer {
  checkArray(array);
  const header = npyHeader(array.dtype, array.shape);
  const src = array.data;
  const body = Buffer.alloc(src.length * BYTES[array.dtype]);
  if (array.dtype === 'bool') {
    src.forEach((v, i) => (body[i] = v ? 1 : 0));
  } else {
    // A raw copy keeps every bit (NaN payloads included); .npy here is always little-endian.
    body.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    if (!isLittleEndianHost) swapBytesInPlace(body, BYTES[array.dtype]);
  }
  return Buffer.concat([header, body]);
}

export interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  dataOffset: number;
}

/** Parses the header at the start of `buf` (which may hold only a prefix of the file). */
export function parseNpyHeader(buf: Buffer, file: string): NpyHeader {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    throw badFile(file, 'not a NumPy .npy file (bad magic number)');
  }
  const major = buf[6];
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw badFile(file, 'truncated .npy header');
    hlen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw badFile(file, `unsupported .npy format version ${major}.${buf[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  if (buf.length < start + hlen) throw badFile(file, 'truncated .npy header');
  const text = buf.subarray(start, start + hlen).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw badFile(file, `unreadable .npy header ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw badFile(file, `bad .npy shape (${shapeText})`);
  return { descr, fortran: fortran === 'True', shape, dataOffset: start + hlen };
}

function readInt64AsInt32(bytes: Buffer, count: number, file: string): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = bytes.readBigInt64LE(i * 8);
    if (v < -2147483648n || v > 2147483647n) {
      throw badFile(file, `int64 value ${v} at flat index ${i} does not fit in int32`);
    }
    out[i] = Number(v);
  }
  return out;
}

export function decodeNpy(buf: Buffer, fileNameForErrors: string): NpyArray {
  const file = fileNameForErrors;
  const h = parseNpyHeader(buf, file);
  if (h.fortran) {
    throw badFile(file, 'Fortran-order arrays are not supported: save with np.ascontiguousarray(a) first');
  }
  const count = npyElementCount(h.shape);
  const kinds: Record<string, { dtype: NpyDtype; size: number }> = {
    '<f4': { dtype: 'float32', size: 4 },
    '<f8': { dtype: 'float64', size: 8 },
    '<i4': { dtype: 'int32', size: 4 },
    '<i8': { dtype: 'int32', size: 8 },
    '|u1': { dtype: 'uint8', size: 1 },
    '<u1': { dtype: 'uint8', size: 1 },
    '|b1': { dtype: 'bool', size: 1 },
    '<b1': { dtype: 'bool', size: 1 },
  };
  const kind = kinds[h.descr];
  if (kind === undefined) {
    throw badFile(
      file,
      `unsupported .npy dtype '${h.descr}' (supported: float32 <f4, float64 <f8, int32 <i4, int64 <i8, uint8 |u1, bool |b1, little-endian)`,
    );
  }
  const need = count * kind.size;
  const have = buf.length - h.dataOffset;
  if (have < need) throw badFile(file, `truncated .npy data: expected ${need} bytes, found ${have}`);
  if (have > need) throw badFile(file, `.npy file has ${have - need} unexpected bytes after the data`);
  const bytes = buf.subarray(h.dataOffset, h.dataOffset + need);

  let data: NpyArray['data'];
  if (h.descr === '<i8') {
    data = readInt64AsInt32(bytes, count, file);
  } else if (kind.size === 1) {
    data = new Uint8Array(bytes);
  } else {
    // Copy into a fresh, aligned buffer: the header length need not leave the data aligned.
    const copy = new ArrayBuffer(need);
    new Uint8Array(copy).set(bytes);
    if (kind.dtype === 'float32') data = new Float32Array(copy);
    else if (kind.dtype === 'float64') data = new Float64Array(copy);
    else data = new Int32Array(copy);
    if (!isLittleEndianHost) swapBytesInPlace(new Uint8Array(copy), kind.size);
  }
  if (kind.dtype === 'bool' && data.some((v) => v > 1)) throw badFile(file, 'bool .npy array holds a byte other than 0 or 1');
  return { dtype: kind.dtype, shape: h.shape, data };
}

export async function readNpy(path: string): Promise<NpyArray> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UnlearnError('not-found', `${path}: no such file`);
    throw new UnlearnError('io', `${path}: cannot read (${code ?? String(e)})`);
  }
  return decodeNpy(buf, path);
}
