// The @vscode/test-electron runner's decisions, run for real: where VS Code cannot be downloaded
// it compiles the suite and skips with exit code 0; asked to require the suite, or pointed at a
// VS Code that is not there, it fails. The download is made to fail the same way on every
// machine, through a proxy on a closed loopback port.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

const ROOT = resolve(__dirname, '../..');
const cache = mkdtempSync(join(tmpdir(), 'uw-vscode-cache-'));
after(() => rmSync(cache, { recursive: true, force: true }));

function runner(env: Record<string, string>) {
  const base: Record<string, string | undefined> = { ...process.env, UNLEARN_VSCODE_CACHE: cache, npm_config_proxy: 'http://127.0.0.1:1', npm_config_https_proxy: 'http://127.0.0.1:1', VSCODE_EXECUTABLE: undefined, UNLEARN_VSCODE_REQUIRED: undefined };
  return spawnSync(process.execPath, ['test/vscode/run.mjs'], { cwd: ROOT, encoding: 'utf8', env: { ...base, ...env }, timeout: 120_000 });
}

test('no network: the suite compiles, then is skipped with a clear message and exit code 0', () => {
  const r = runner({});
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /compiled the suite/);
  assert.match(r.stdout, /SKIPPED: cannot download VS Code .*ECONNREFUSED/);
  assert.ok(existsSync(join(ROOT, '.tmp', 'vscode-test', 'suite.js')));
});

test('UNLEARN_VSCODE_REQUIRED=1: a failed download fails the run', () => {
  const r = runner({ UNLEARN_VSCODE_REQUIRED: '1' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /FAILED: cannot download VS Code/);
});

test('a VSCODE_EXECUTABLE that does not exist is an error, not a skip', () => {
  const r = runner({ VSCODE_EXECUTABLE: join(cache, 'no-such-code') });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /SKIPPED/);
});
