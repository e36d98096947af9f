/**
 * Whole-file writes for the files a person keeps in the workspace (experiment files, exports).
 * The bytes go to a hidden temporary sibling, which is then renamed over the target, so a reader
 * (the Experiments view, a file watcher, a test) never sees the file created but still empty —
 * the editor's file system writes a new file in two steps, create then fill — and a crash
 * mid-write leaves the previous file instead of a truncated one.
 *
 * The file system is an argument, so this module imports no `vscode` and is unit-tested on disk.
 * For `file:` URIs the host passes `localDisk()`: VS Code's own disk provider replaces a file by
 * deleting it first and then renaming (its move validation), so a reader can find no file at all
 * (CI did: ENOENT on the experiment file while a forget set was added to it), while a plain
 * rename(2) replaces it atomically. Other schemes go through `vscode.workspace.fs`.
 */
import { lstat, rename, rm, stat, writeFile } from 'node:fs/promises';

/** The part of `vscode.workspace.fs` a whole-file write uses. */
export interface RenamingFileSystem<U> {
  stat(uri: U): PromiseLike<{ type: number }>;
  writeFile(uri: U, content: Uint8Array): PromiseLike<void>;
  rename(source: U, target: U, options: { overwrite: boolean }): PromiseLike<void>;
  delete(uri: U): PromiseLike<void>;
}

/** What a write needs of a URI: its path, and the same URI with another path (`vscode.Uri` has both). */
export interface PathUri<U> {
  readonly path: string;
  with(change: { path: string }): U;
}

/**
 * The hidden temporary beside a URI path (always "/"-separated): `.<name>.<random>.tmp`. Its
 * name ends in `.tmp`, so no `*.experiment.json` / `*.forget.json` glob ever matches it.
 */
export function tempSiblingPath(path: string): string {
  const cut = path.lastIndexOf('/') + 1;
  return `${path.slice(0, cut)}.${path.slice(cut)}.${crypto.randomUUID().slice(0, 8)}.tmp`;
}

/** `vscode.FileType.SymbolicLink`, a bit of `FileStat.type`. */
const SYMBOLIC_LINK = 64;

async function isSymbolicLink<U>(fs: RenamingFileSystem<U>, uri: U): Promise<boolean> {
  try {
    return ((await fs.stat(uri)).type & SYMBOLIC_LINK) !== 0;
  } catch {
    return false; // not there yet
  }
}

/**
 * Writes `content` as the whole of `uri`: the old file or the new one, never a part. A symbolic
 * link is written through in place (as VS Code's own atomic save does): a rename would replace
 * the link with a copy.
 */
export async function writeFileAtomic<U extends PathUri<U>>(fs: RenamingFileSystem<U>, uri: U, content: Uint8Array): Promise<void> {
  if (await isSymbolicLink(fs, uri)) return fs.writeFile(uri, content);
  const temp = uri.with({ path: tempSiblingPath(uri.path) });
  try {
    await fs.writeFile(temp, content);
    await fs.rename(temp, uri, { overwrite: true });
  } catch (e) {
    try {
      await fs.delete(temp);
    } catch {
      // The temporary was never created: the write's own error is the one to report.
    }
    throw e;
  }
}

/** Writes a JSON document (two-space indent, final newline) as a whole file. */
export function writeJsonAtomic<U extends PathUri<U>>(fs: RenamingFileSystem<U>, uri: U, value: unknown): Promise<void> {
  return writeFileAtomic(fs, uri, new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n'));
}

/** The local disk through node:fs, for `file:` URIs (the extension host runs where they live). */
export function localDisk<U extends { fsPath: string }>(): RenamingFileSystem<U> {
  return {
    async stat(uri) {
      const link = await lstat(uri.fsPath);
      const target = link.isSymbolicLink() ? await stat(uri.fsPath) : link;
      return { type: (target.isDirectory() ? 2 : 1) | (link.isSymbolicLink() ? SYMBOLIC_LINK : 0) };
    },
    writeFile: (uri, content) => writeFile(uri.fsPath, content),
    async rename(source, target, options) {
      if (!options.overwrite) {
        const exists = await lstat(target.fsPath).then(() => true, () => false);
        if (exists) throw new Error(`${target.fsPath} already exists`);
      }
      await rename(source.fsPath, target.fsPath);
    },
    delete: (uri) => rm(uri.fsPath),
  };
}
