/**
 * β on disk: `beta.npy`, float32 [n_train × P × C] in C order (row i = training point i's
 * effects on every output), the layout every estimator writes and every consumer reads.
 * Fits produce β in column blocks and write each block straight into its place in the file, and
 * consumers read only the rows they need, so neither ever holds n_train × P × C floats.
 */
import { closeSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UnlearnError } from '../errors';
import { npyHeader, parseNpyHeader } from '../store/npy';
import { sumRows } from './estimators';

export const BETA_FILE = 'beta.npy';

const isLittleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(v: Float32Array): Uint8Array {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (isLittleEndianHost) return bytes;
  const copy = Uint8Array.from(bytes);
  for (let i = 0; i < copy.length; i += 4) copy.subarray(i, i + 4).reverse();
  return copy;
}

/** Writes β [n × P × C] column block by column block into a .npy file at `path`. */
export class BetaWriter {
  private fd: number | undefined;
  private readonly dataOffset: number;
  readonly D: number;

  constructor(
    readonly path: string,
    readonly n: number,
    readonly P: number,
    readonly C: number,
  ) {
    this.D = P * C;
    const header = npyHeader('float32', [n, P, C]);
    this.dataOffset = header.length;
    try {
      this.fd = openSync(path, 'w');
      writeSync(this.fd, header, 0, header.length, 0);
      // The full size up front: a block never extends the file, and the order of blocks is free.
      ftruncateSync(this.fd, header.length + n * this.D * 4);
    } catch (e) {
      this.abort();
      throw new UnlearnError('io', `could not create ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** β[:, c0 : c0 + w] given as [n × w] row-major (columns index the flattened P × C). */
  writeColumns(c0: number, w: number, block: Float32Array): void {
    if (this.fd === undefined) throw new UnlearnError('io', `${this.path} is already closed`);
    if (!(c0 >= 0 && w >= 0 && c0 + w <= this.D) || block.length !== this.n * w) throw new UnlearnError('bad-config', `β block [${this.n} × ${w}] at column ${c0} does not fit β [${this.n} × ${this.D}] (got ${block.length} values)`);
    if (w === this.D) {
      writeSync(this.fd, littleEndianBytes(block), 0, block.byteLength, this.dataOffset);
      return;
    }
    for (let i = 0; i < this.n; i++) {
      const bytes = littleEndianBytes(block.subarray(i * w, (i + 1) * w));
      writeSync(this.fd, bytes, 0, bytes.length, this.dataOffset + (i * this.D + c0) * 4);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  /** Closes and deletes the partial file (after a failure or a cancel). */
  abort(): void {
    try {
      this.close();
    } finally {
      rmSync(this.path, { force: true });
    }
  }
}

export interface BetaRows {
  /** [indices.length × P·C] float32: row k is β of training point indices[k]. */
  rows: Float32Array;
  n: number;
  P: number;
  C: number;
}

/**
 * Rows of `beta.npy` in the artifact directory `dir` (a datamodel of any estimator), read
 * one by one from the file: memory is |indices| × P × C floats, never the whole β.
 */
export function readBetaRows(dir: string, indices: ArrayLike<number>): BetaRows {
  const path = join(dir, BETA_FILE);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UnlearnError(code === 'ENOENT' ? 'not-found' : 'io', `${path}: cannot open (${code ?? String(e)})`);
  }
  try {
    const head = Buffer.alloc(4096);
    const got = readSync(fd, head, 0, head.length, 0);
    const h = parseNpyHeader(head.subarray(0, got), path);
    if (h.descr !== '<f4' || h.fortran || h.shape.length !== 3) throw new UnlearnError('bad-file', `${path}: expected float32 β [n_train × points × classes] in C order, got ${h.descr} shape (${h.shape.join(', ')})`);
    const [n, P, C] = h.shape;
    const D = P * C;
    const rows = new Float32Array(indices.length * D);
    const bytes = new Uint8Array(rows.buffer);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new UnlearnError('bad-config', `β row ${i} is out of range: ${path} has ${n} training points`);
      const read = readSync(fd, bytes, k * D * 4, D * 4, h.dataOffset + i * D * 4);
      if (read !== D * 4) throw new UnlearnError('bad-file', `${path}: truncated at row ${i}`);
    }
    if (!isLittleEndianHost) for (let b = 0; b < bytes.length; b += 4) bytes.subarray(b, b + 4).reverse();
    return { rows, n, P, C };
  } finally {
    closeSync(fd);
  }
}

/** Σ_{i∈F} β_i, [P·C] (float64 accumulation): what DM-Direct subtracts and DMM's targets use. */
export function sumBetaRows(dir: string, indices: ArrayLike<number>): Float64Array {
  const { rows, P, C } = readBetaRows(dir, indices);
  return sumRows(rows, P * C, Int32Array.from({ length: indices.length }, (_, k) => k));
}
