/**
 * The result store: a folder (default `.unlearn/`) of artifacts, each a directory
 * `<kind>/<key>/` holding `manifest.json` and NumPy `.npy` arrays. The key hashes everything
 * that determines the artifact, so an artifact on disk is never recomputed. A directory is
 * renamed into place only when complete, so any `<kind>/<key>/manifest.json` is whole.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UnlearnError } from '../errors';
import { writeDirAtomic } from './atomic';
import { decodeNpy, encodeNpy, type NpyArray } from './npy';

export const MANIFEST = 'manifest.json';

export interface ArtifactManifest {
  kind: string;
  key: string;
  createdAt: string;
  /** Free-form, JSON-serialisable description: config, seeds, backend, results. */
  [field: string]: unknown;
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
   * Writes an artifact whole or not at all. Returns false if an identical artifact already
   * existed (someone else finished it first); the existing one is kept.
   */
  write(
    kind: string,
    key: string,
    manifest: Omit<ArtifactManifest, 'kind' | 'key' | 'createdAt'>,
    arrays: Record<string, NpyArray>,
    textFiles: Record<string, string> = {},
  ): boolean {
    const files = new Map<string, string | Uint8Array>(Object.entries(textFiles));
    for (const [name, arr] of Object.entries(arrays)) files.set(name, encodeNpy(arr));
    const full: ArtifactManifest = { kind, key, createdAt: new Date().toISOString(), ...manifest, arrays: describeArrays(arrays) };
    files.set(MANIFEST, JSON.stringify(full, null, 2) + '\n');
    return writeDirAtomic(this.dir(kind, key), files);
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

function describeArrays(arrays: Record<string, NpyArray>): Record<string, { dtype: string; shape: number[] }> {
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
