/**
 * File access for loaders: every failure becomes an UnlearnError naming the file, so a
 * person sees which file is missing or corrupt rather than an fs or zlib stack trace.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { constants as zlibConstants, gunzip, gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { badFile, UnlearnError } from '../errors';

const gunzipAsync = promisify(gunzip);

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

function ioError(file: string, e: unknown): UnlearnError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UnlearnError('not-found', `${file}: no such file`);
  return new UnlearnError('io', `${file}: cannot read (${code ?? String(e)})`);
}

export async function readDataFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw ioError(file, e);
  }
}

/** Reads a file, gunzipping it when its first bytes say gzip (whatever its extension). */
export async function readMaybeGzip(file: string): Promise<Buffer> {
  const buf = await readDataFile(file);
  if (!isGzip(buf)) return buf;
  try {
    return await gunzipAsync(buf);
  } catch (e) {
    throw badFile(file, `corrupt or truncated gzip data (${(e as Error).message})`);
  }
}

/** The first bytes of a possibly gzipped file, without reading or inflating all of it. */
export async function readPrefix(file: string, bytes: number): Promise<Buffer> {
  let raw: Buffer;
  try {
    const h = await open(file, 'r');
    try {
      const chunk = Buffer.alloc(Math.max(bytes, 64 * 1024));
      const { bytesRead } = await h.read(chunk, 0, chunk.length, 0);
      raw = chunk.subarray(0, bytesRead);
    } finally {
      await h.close();
    }
  } catch (e) {
    throw ioError(file, e);
  }
  if (!isGzip(raw)) return raw.subarray(0, bytes);
  try {
    // SYNC_FLUSH returns what inflates so far instead of failing on the cut-off stream.
    return gunzipSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, bytes);
  } catch (e) {
    throw badFile(file, `corrupt gzip data (${(e as Error).message})`);
  }
}

export async function pathKind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

export interface DirListing {
  files: string[];
  dirs: string[];
}

/** Entries sorted by code unit so every machine sees the same order. */
export async function listDir(dir: string): Promise<DirListing> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw ioError(dir, e);
  }
  const files: string[] = [];
  const dirs: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    // A symlink counts as what it points to (datasets are often linked in from elsewhere).
    const kind = e.isSymbolicLink() ? await pathKind(join(dir, e.name)) : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : undefined;
    if (kind === 'dir') dirs.push(e.name);
    else if (kind === 'file') files.push(e.name);
  }
  const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { files: files.sort(byCodeUnit), dirs: dirs.sort(byCodeUnit) };
}

export function notFound(file: string, what: string): UnlearnError {
  return new UnlearnError('not-found', `${file}: no such file (${what})`);
}

/** Class names from an optional text file, one per line (blank lines ignored). */
export async function readClassNamesFile(file: string): Promise<string[] | undefined> {
  if ((await pathKind(file)) !== 'file') return undefined;
  const names = (await readDataFile(file))
    .toString('utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw badFile(file, 'lists no class names');
  return names;
}
