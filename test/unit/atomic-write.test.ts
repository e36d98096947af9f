/**
 * Whole-file writes of the files a person keeps (src/extension/atomic-write.ts), on the real disk
 * through a file system that writes a file the way the editor's disk provider does: create (or
 * truncate) it, then fill it. Between the two steps a reader sees an empty file; CI once read
 * the new experiment file right there ("Unexpected end of JSON input").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDisk, tempSiblingPath, writeFileAtomic, writeJsonAtomic, type RenamingFileSystem } from '../../src/extension/atomic-write';

class FileUri {
  constructor(readonly path: string) {}
  get fsPath(): string {
    return this.path;
  }
  with(change: { path: string }): FileUri {
    return new FileUri(change.path);
  }
}

/** Disk writes in two steps; `between` runs after the file is created and before it is filled. */
function twoStepDisk(between: (path: string, content: Uint8Array) => void | Promise<void> = () => undefined): RenamingFileSystem<FileUri> {
  return {
    ...localDisk<FileUri>(),
    async writeFile(uri, content) {
      const handle = await open(uri.path, 'w');
      try {
        await between(uri.path, content);
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
    },
  };
}

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'uw-atomic-write-'));
}

const bytes = (text: string) => new TextEncoder().encode(text);

test('the target is never seen created but empty: it is absent or the old document until the new one is whole', async () => {
  const dir = folder();
  const target = join(dir, 'e2e.experiment.json');
  const seen: Array<string | null> = [];
  const look = () => void seen.push(existsSync(target) ? readFileSync(target, 'utf8') : null);
  const disk = twoStepDisk(look);

  // Control: a write in place, as the extension did before, shows the empty file in between.
  await disk.writeFile(new FileUri(target), bytes('{"n": 1}\n'));
  assert.deepEqual(seen, ['']);
  await rm(target);
  seen.length = 0;

  await writeFileAtomic(disk, new FileUri(target), bytes('{"n": 4}\n'));
  await writeFileAtomic(disk, new FileUri(target), bytes('{"n": 5}\n'));
  assert.deepEqual(seen, [null, '{"n": 4}\n'], 'mid-write, the target is absent (new file) or whole (replaced file)');
  assert.equal(readFileSync(target, 'utf8'), '{"n": 5}\n');
  assert.deepEqual(readdirSync(dir), ['e2e.experiment.json'], 'no temporary is left beside it');
});

test('the temporary is a hidden sibling ending in .tmp, which no *.experiment.json or *.forget.json glob matches', () => {
  const a = tempSiblingPath('/ws/forget-sets/x.forget.json');
  const b = tempSiblingPath('/ws/forget-sets/x.forget.json');
  assert.match(a, /^\/ws\/forget-sets\/\.x\.forget\.json\.[0-9a-f]{8}\.tmp$/);
  assert.notEqual(a, b);
  assert.match(tempSiblingPath('top.experiment.json'), /^\.top\.experiment\.json\.[0-9a-f]{8}\.tmp$/);
});

test('a write that fails part way leaves the previous file as it was and no temporary', async () => {
  const dir = folder();
  const target = join(dir, 'kept.experiment.json');
  writeFileSync(target, '{"n": 4}\n');
  const diskFull = twoStepDisk(async (path, content) => {
    const h = await open(path, 'r+');
    await h.writeFile(content.subarray(0, 3));
    await h.close();
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  await assert.rejects(writeFileAtomic(diskFull, new FileUri(target), bytes('{"n": 400}\n')), /ENOSPC/);
  assert.equal(readFileSync(target, 'utf8'), '{"n": 4}\n');
  assert.deepEqual(readdirSync(dir), ['kept.experiment.json']);
});

test('a rename that fails reports its own error and removes the temporary', async () => {
  const dir = folder();
  const target = join(dir, 'export.csv');
  mkdirSync(join(target, 'inside'), { recursive: true }); // a folder is in the way
  await assert.rejects(writeFileAtomic(twoStepDisk(), new FileUri(target), bytes('a,b\n')), /EISDIR|ENOTEMPTY|EEXIST/);
  assert.deepEqual(readdirSync(dir), ['export.csv']);
  assert.deepEqual(readdirSync(target), ['inside']);
});

test('a symbolic link stays a link: the file it points to gets the content', async () => {
  const dir = folder();
  mkdirSync(join(dir, 'shared'));
  writeFileSync(join(dir, 'shared', 'real.experiment.json'), '{"n": 4}\n');
  const link = join(dir, 'linked.experiment.json');
  symlinkSync(join('shared', 'real.experiment.json'), link);
  await writeFileAtomic(twoStepDisk(), new FileUri(link), bytes('{"n": 8}\n'));
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'shared', 'real.experiment.json'), 'utf8'), '{"n": 8}\n');
  assert.deepEqual(readdirSync(dir).sort(), ['linked.experiment.json', 'shared']);
});

test('JSON documents are written with a two-space indent and a final newline', async () => {
  const dir = folder();
  const target = join(dir, 'forget-sets', 'a.experiment.json');
  mkdirSync(join(dir, 'forget-sets'));
  await writeJsonAtomic(twoStepDisk(), new FileUri(target), { version: 1, forgetSets: ['forget-sets/a.forget.json'] });
  assert.equal(readFileSync(target, 'utf8'), '{\n  "version": 1,\n  "forgetSets": [\n    "forget-sets/a.forget.json"\n  ]\n}\n');
});

/** Rewrites `target` `times` times while a reader polls it between event-loop turns; returns what the reader saw that was not a whole document. */
async function pollDuringRewrites(disk: RenamingFileSystem<FileUri>, target: string, times: number): Promise<string[]> {
  const bad: string[] = [];
  let writing = true;
  const reader = (async () => {
    while (writing) {
      try {
        const text = readFileSync(target, 'utf8');
        if (!/^\{"n": \d+\}\n$/.test(text)) bad.push(`partial: ${JSON.stringify(text)}`);
      } catch (e) {
        bad.push((e as NodeJS.ErrnoException).code ?? String(e));
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  for (let i = 0; i < times; i++) await writeFileAtomic(disk, new FileUri(target), bytes(`{"n": ${i}}\n`));
  writing = false;
  await reader;
  return bad;
}

test('on the local disk a replaced file is never missing: rename(2) replaces it whole (VS Code\'s disk provider deletes it first)', async () => {
  const dir = folder();
  const target = join(dir, 'e2e.experiment.json');
  writeFileSync(target, '{"n": 0}\n');
  // Control: a rename that deletes an existing target first, as VS Code's disk provider does.
  const deleteFirst: RenamingFileSystem<FileUri> = {
    ...localDisk<FileUri>(),
    async rename(source, dest) {
      await rm(dest.path, { force: true });
      await new Promise((r) => setImmediate(r));
      await rename(source.path, dest.path);
    },
  };
  const control = await pollDuringRewrites(deleteFirst, target, 50);
  assert.ok(control.includes('ENOENT'), `the control should be caught without a file: ${control.join(', ')}`);
  assert.deepEqual(await pollDuringRewrites(localDisk<FileUri>(), target, 200), [], 'the reader saw the file missing or partial');
  assert.equal(readFileSync(target, 'utf8'), '{"n": 199}\n');
  assert.deepEqual(readdirSync(dir), ['e2e.experiment.json'], 'no temporary is left beside it');
});
