/** The seams as built: the host bundle carries no TensorFlow.js, and the engine refuses to run without its IPC channel. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { ENGINE, requireEngineBundle } from './harness';

test('the extension host bundle does not contain TensorFlow.js', () => {
  const host = resolve(__dirname, '../../dist/extension.js');
  assert.ok(existsSync(host), `${host} is missing: run npm run build`);
  const text = readFileSync(host, 'utf8');
  assert.ok(!/@tensorflow\/|tfjs-core|registerKernel/.test(text), 'dist/extension.js pulls in TensorFlow.js: something under src/extension or src/protocol imports engine code that loads it');
  assert.ok(text.includes('unlearn/train'), 'the protocol is bundled into the host');
});

test('the engine started without an IPC channel explains itself and exits', () => {
  requireEngineBundle();
  const r = spawnSync(process.execPath, [ENGINE], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /talks JSON-RPC over the IPC channel of child_process\.fork.*use `unlearn`/s);
  assert.equal(r.stdout, '');
});
