/**
 * The CLI end to end, in-process: train, create a forget set, evaluate the references, and
 * check the exported arrays — with numpy where python3 has it (as on CI), else by shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../../src/engine/cli/main';
import { decodeNpy } from '../../src/engine/store/npy';

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const code = await runCli(args, { stdout: (t) => chunks.push(t) });
  return { code, out: chunks.join('') };
}

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const small = ['--train-size', '300', '--val-size', '100', '--epochs', '3', '--hidden', '16'];

test('train: same seed gives identical margins bytes, another seed different ones; numpy reads them', async () => {
  const store = mkdtempSync(join(tmpdir(), 'uw-cli-'));
  const run = async (seed: number, force = false) => {
    const r = await cli(['--store', store, '--json', 'train', ...small, '--seed', String(seed), ...(force ? ['--force'] : [])]);
    assert.equal(r.code, 0, r.out);
    return JSON.parse(r.out) as { dir: string; backend: string; trainAccuracy: number[]; valAccuracy: number[] };
  };
  const a = await run(1);
  const aBytes = readFileSync(join(a.dir, 'margins.npy'));
  const again = await run(1, true);
  assert.deepEqual(readFileSync(join(again.dir, 'margins.npy')), aBytes);
  const b = await run(2);
  assert.notDeepEqual(readFileSync(join(b.dir, 'margins.npy')), aBytes);
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(a.backend));
  const m = decodeNpy(aBytes, 'margins.npy');
  assert.deepEqual(m.shape, [1, 400]);
  if (hasNumpy) {
    const py = spawnSync('python3', ['-c', `import numpy as np; a = np.load(${JSON.stringify(join(a.dir, 'margins.npy'))}); print(a.dtype, a.shape)`], { encoding: 'utf8' });
    assert.equal(py.stdout.trim(), 'float32 (1, 400)', py.stderr);
  }
});

test('eval --method none: forget KLoM above retain and validation, floor lowest; stored KLoM matches an independent numpy implementation', async () => {
  const store = mkdtempSync(join(tmpdir(), 'uw-cli-'));
  const fs = join(store, 'f.forget.json');
  const opts = ['--preset', 'quick', '--train-size', '300', '--val-size', '100'];
  const made = await cli(['forget-set', 'create', '--random', '30', '--seed', '3', '-o', fs, ...opts]);
  assert.equal(made.code, 0, made.out);
  const r = await cli(['--store', store, '--json', 'eval', '-f', fs, ...opts, '--hidden', '16', '--epochs', '20', '-n', '8', '--lr', '0.1']);
  assert.equal(r.code, 0, r.out);
  const res = JSON.parse(r.out) as { dir: string; report: { rows: Array<{ label: string; nUnlearned: number; summary: { forget: { mean: number }; retain: { mean: number }; validation: { mean: number } } }> } };
  const [nothing, floor] = res.report.rows;
  assert.equal(nothing.label, 'do nothing');
  assert.equal(nothing.nUnlearned, 8);
  assert.ok(nothing.summary.forget.mean > nothing.summary.retain.mean, JSON.stringify(nothing.summary));
  assert.ok(nothing.summary.forget.mean > floor.summary.forget.mean);
  const files = readdirSync(res.dir).sort();
  assert.deepEqual(files, ['klom-do-nothing.npy', 'klom-noise-floor.npy', 'manifest.json', 'summary.csv', 'summary.json']);
  if (hasNumpy) {
    const py = spawnSync('python3', [resolve('scripts/check-klom.py'), res.dir], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stdout + py.stderr);
  }
});

test('bad input gives clear messages and usage exit codes', async () => {
  const store = mkdtempSync(join(tmpdir(), 'uw-cli-'));
  assert.equal((await cli(['--store', store, 'train', '--epochs', '-1'])).code, 64);
  assert.equal((await cli(['--store', store, 'train', '--batch-size', '0'])).code, 64);
  assert.equal((await cli(['--store', store, 'train', '--dataset', join(store, 'nope')])).code, 65);
  assert.equal((await cli(['--store', store, 'eval', '-f', join(store, 'missing.json')])).code, 65);
  assert.equal((await cli(['--backend', 'quantum', 'info'])).code, 64);
});
