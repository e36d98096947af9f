/**
 * The result store: a folder (default `.unlearn/`) of artifacts, each a directory
 * `<kind>/<key>/` holding `manifest.json` and NumPy `.npy` arrays. The key hashes everything
 * that determines the artifact, so an artifact on disk is never recomputed. A directory is
 * renamed into place only when complete, so any `<kind>/<key>/manifest.json` is whole.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UnlearnError } from '../errors';
import { tempSibling, writeDirAtomic } from './atomic';
import { decodeNpy, encodeNpy, type NpyArray } from './npy';

export const MANIFEST = 'manifest.json';

export interface ArtifactManifest {
  kind: string;
  key: string;
  createdAt: string;
  /** Free-form, JSON-serialisable description: config, seeds, backend, results. */
  [field: string]: unknown;
}

/** An .npy file already written to a `Store.tempFile` path, to be moved into an artifact. */
export interface PreparedArray {
  path: string;
  dtype: NpyArray['dtype'];
  shape: number[];
}

export class Store {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  dir(kind: string, key: string): string {
    return join(this.root, kind, key);
  }

  has(kind: string, key: string): boolean {
    return existsSync(join(this.dir(kind, key), MANIFEST));
  }

  readManifest<T extends ArtifactManifest = ArtifactManifest>(kind: string, key: string): T | undefined {
    const p = join(this.dir(kind, key), MANIFEST);
    if (!existsSync(p)) return undefined;
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as T;
    } catch (e) {
      throw new UnlearnError('bad-file', `${p}: unreadable manifest (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  readArray(kind: string, key: string, name: string): NpyArray {
    const p = join(this.dir(kind, key), name);
    if (!existsSync(p)) throw new UnlearnError('not-found', `${p}: no such array in the store`);
    return decodeNpy(readFileSync(p), p);
  }

  /**
   * A temporary path inside the store (same file system, so it can be renamed into an
   * artifact) for a file written piece by piece; swept like any leftover if the process dies.
   */
  tempFile(kind: string, name: string): string {
    const d = join(this.root, kind);
    mkdirSync(d, { recursive: true });
    return tempSibling(join(d, name));
  }

  /**
   * Writes an artifact whole or not at all. `prepared` arrays were written to `tempFile`
   * paths and are moved in (and removed if the artifact already existed). Returns false if an identical artifact already
   * existed (someone else finished it first); the existing one is kept.
   */
  write(
    kind: string,
    key: string,
    manifest: Omit<ArtifactManifest, 'kind' | 'key' | 'createdAt'>,
    arrays: Record<string, NpyArray>,
    textFiles: Record<string, string> = {},
    prepared: Record<string, PreparedArray> = {},
  ): boolean {
    const files = new Map<string, string | Uint8Array>(Object.entries(textFiles));
    for (const [name, arr] of Object.entries(arrays)) files.set(name, encodeNpy(arr));
    const full: ArtifactManifest = { kind, key, createdAt: new Date().toISOString(), ...manifest, arrays: { ...describeArrays(arrays), ...describeArrays(prepared) } };
    files.set(MANIFEST, JSON.stringify(full, null, 2) + '\n');
    const moved = new Map(Object.entries(prepared).map(([name, p]) => [name, p.path]));
    const written = writeDirAtomic(this.dir(kind, key), files, moved);
    if (!written) for (const p of moved.values()) rmSync(p, { force: true });
    return written;
  }

  /** Deletes a stored artifact (used by --force before rewriting it). */
  remove(kind: string, key: string): void {
    rmSync(this.dir(kind, key), { recursive: true, force: true });
  }

  list(kind: string): ArtifactManifest[] {
    const d = join(this.root, kind);
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .filter((k) => !k.startsWith('.'))
      .map((k) => this.readManifest(kind, k))
      .filter((m): m is ArtifactManifest => m !== undefined);
  }

  kinds(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  }

  /** Removes leftovers of writes whose process died midway (never complete artifacts). */
  sweepTemporaries(): number {
    let removed = 0;
    for (const kind of this.kinds()) {
      const d = join(this.root, kind);
      for (const name of readdirSync(d)) {
        const pid = /\.tmp-(\d+)-\d+$/.exec(name)?.[1];
        if (name.startsWith('.') && pid !== undefined && !processAlive(Number(pid))) {
          rmSync(join(d, name), { recursive: true, force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}

function describeArrays(arrays: Record<string, { dtype: string; shape: number[] }>): Record<string, { dtype: string; shape: number[] }> {
  return Object.fromEntries(Object.entries(arrays).map(([n, a]) => [n, { dtype: a.dtype, shape: a.shape }]));
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
