/**
 * Atomic writes: data goes to a temporary sibling first and is renamed into place, so a crash,
 * a kill or a full disk never leaves a half-written file that later reads as whole.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { UnlearnError } from '../errors';

let counter = 0;
/** A temporary name beside `path` that sweepTemporaries recognises (and removes once its process is gone). */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter++}`);
}

/** Best-effort cleanup after a failed write: its own failure must not hide the write's. */
function removeQuietly(path: string, recursive: boolean): void {
  try {
    rmSync(path, { recursive, force: true });
  } catch {
    // The path cannot even be reached (e.g. a parent is a file): nothing was left there.
  }
}

function ioError(path: string, e: unknown): UnlearnError {
  const reason = e instanceof Error ? e.message : String(e);
  return new UnlearnError('io', `could not write ${path}: ${reason}`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempSibling(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp, false);
    throw ioError(path, e);
  }
}

/**
 * Writes a whole directory of files atomically: everything is written into a temporary
 * directory that is renamed into place last. `moved` names files already written elsewhere on
 * the same file system (too large to hold in memory) that are renamed into it. If `dir`
 * appeared meanwhile (another writer finished the same artifact first), ours is discarded and
 * false is returned.
 */
export function writeDirAtomic(dir: string, files: ReadonlyMap<string, string | Uint8Array>, moved: ReadonlyMap<string, string> = new Map()): boolean {
  const tmp = tempSibling(dir);
  try {
    mkdirSync(tmp, { recursive: true });
    for (const [name, data] of files) {
      const p = join(tmp, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, data);
    }
    for (const [name, from] of moved) {
      const p = join(tmp, name);
      mkdirSync(dirname(p), { recursive: true });
      renameSync(from, p);
    }
    if (existsSync(dir)) {
      rmSync(tmp, { recursive: true, force: true });
      return false;
    }
    renameSync(tmp, dir);
    return true;
  } catch (e) {
    removeQuietly(tmp, true);
    for (const from of moved.values()) removeQuietly(from, false);
    throw ioError(dir, e);
  }
}
