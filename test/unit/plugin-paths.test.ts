/**
 * The host's decision about plug-in unlearners (src/extension/plugin-paths.ts): nothing in a
 * restricted workspace, with the reason; only files inside the workspace folder, links followed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPluginMethods, resolvePluginPaths, RESTRICTED_PLUGINS_MESSAGE } from '../../src/extension/plugin-paths';

function workspace(): { root: string; outside: string } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'uw-plugin-paths-')));
  const root = join(base, 'ws');
  mkdirSync(join(root, 'unlearners'), { recursive: true });
  writeFileSync(join(root, 'unlearners', 'mine.mjs'), 'export default {};\n');
  const outside = join(base, 'elsewhere.mjs');
  writeFileSync(outside, 'export default {};\n');
  symlinkSync(outside, join(root, 'unlearners', 'link.mjs'));
  return { root, outside };
}

test('a restricted workspace loads no plug-in, and says why', () => {
  const { root } = workspace();
  const r = resolvePluginPaths(['unlearners/mine.mjs'], root, false);
  assert.deepEqual(r.paths, []);
  assert.equal(r.disabled, RESTRICTED_PLUGINS_MESSAGE);
  assert.match(r.disabled ?? '', /restricted.*code from the workspace/);
  // No setting, no message.
  assert.deepEqual(resolvePluginPaths([], root, false), { paths: [], problems: [] });
  assert.deepEqual(resolvePluginPaths(undefined, root, false), { paths: [], problems: [] });
});

test('a trusted workspace loads its own files only: outside paths, links out and missing files are refused', () => {
  const { root, outside } = workspace();
  const r = resolvePluginPaths(['unlearners/mine.mjs', './unlearners/mine.mjs', '../elsewhere.mjs', outside, 'unlearners/link.mjs', 'unlearners/none.mjs', 42, ''], root, true);
  assert.deepEqual(r.paths, [join(root, 'unlearners', 'mine.mjs')]);
  assert.equal(r.disabled, undefined);
  assert.equal(r.problems.length, 6, r.problems.join('\n'));
  assert.match(r.problems[0], /^\.\.\/elsewhere\.mjs: outside the workspace folder/);
  assert.match(r.problems[1], /elsewhere\.mjs: outside the workspace folder/);
  assert.match(r.problems[2], /^unlearners\/link\.mjs: links to .*elsewhere\.mjs, outside the workspace folder/);
  assert.match(r.problems[3], /^unlearners\/none\.mjs: no such file/);
  assert.match(r.problems[4], /^42: expected a path/);
  // An absolute path inside the workspace is fine.
  assert.deepEqual(resolvePluginPaths([join(root, 'unlearners', 'mine.mjs')], root, true).paths, [join(root, 'unlearners', 'mine.mjs')]);
  assert.match(resolvePluginPaths(['x.mjs'], undefined, true).problems[0], /open a folder first/);
});

test('methods an experiment names that nothing provides', () => {
  assert.deepEqual(missingPluginMethods(['gd', 'random-labels', 'mine'], ['gd', 'om'], ['random-labels']), ['mine']);
  assert.deepEqual(missingPluginMethods(['gd'], ['gd'], []), []);
});
