// `unlearn linear` and the settings schema: defaults, bad-config errors, output files and formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { setOutputSink } from '../../src/engine/cli/context';
import { register } from '../../src/engine/cli/commands/linear';
import { UnlearnError } from '../../src/engine/errors';
import { linearSettingsHash, parseLinearSettings, runLinearStudy } from '../../src/engine/linear';
import { formatCsv, formatSparklines, formatSvg, formatTable, tableSteps } from '../../src/engine/linear/format';
import type { LinearStudyResult } from '../../src/engine/linear';

function badConfig(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof UnlearnError && e.code === 'bad-config' && pattern.test(e.message));
}

test('settings: defaults filled in, and every fault is a bad-config error naming the field', () => {
  const s = parseLinearSettings({});
  assert.equal(s.n, 100);
  assert.equal(s.d, 400);
  assert.equal(s.k, 5);
  assert.equal(s.lambda, 1e-3);
  assert.equal(s.steps, 10_000);
  assert.equal(s.lr, undefined);
  badConfig(() => parseLinearSettings({ n: 0 }), /n:/);
  badConfig(() => parseLinearSettings({ n: 10, k: 10 }), /k: the forget set \(10\) must be smaller/);
  badConfig(() => parseLinearSettings({ lambda: -1 }), /lambda:/);
  badConfig(() => parseLinearSettings({ lr: 0 }), /lr:/);
  badConfig(() => parseLinearSettings({ lr: Number.POSITIVE_INFINITY }), /lr:/);
  badConfig(() => parseLinearSettings({ steps: 1.5 }), /steps:/);
  badConfig(() => parseLinearSettings({ ascentWeights: [-1] }), /ascentWeights/);
  badConfig(() => parseLinearSettings({ nn: 3 }), /nn|unrecognized/i);
  badConfig(() => parseLinearSettings({ n: 100_000, d: 100_000 }), /n·d/);
});

test('settings hash: stable, independent of key order, sensitive to values', () => {
  const a = parseLinearSettings({ n: 50, d: 80 });
  const b = parseLinearSettings({ d: 80, n: 50 });
  assert.equal(linearSettingsHash(a), linearSettingsHash(b));
  assert.match(linearSettingsHash(a), /^[0-9a-f]{12}$/);
  assert.notEqual(linearSettingsHash(a), linearSettingsHash(parseLinearSettings({ n: 50, d: 80, lr: 1e-3 })));
});

test('λ = 0 with a rank-deficient retain system is a bad-config error, not a crash', () => {
  badConfig(() => runLinearStudy({ n: 40, d: 30, k: 15, lambda: 0, steps: 1 }), /singular.*lambda > 0/);
});

function small(): LinearStudyResult {
  return runLinearStudy({ n: 20, d: 50, k: 2, nTest: 30, steps: 300, ascentWeights: [1, 0.1] });
}

test('formats: table at powers of ten, CSV one row per record, SVG with a curve per method', () => {
  assert.deepEqual(tableSteps(10_000), [0, 10, 100, 1000, 10_000]);
  assert.deepEqual(tableSteps(250), [0, 10, 100, 250]);
  const r = small();
  const table = formatTable(r);
  for (const m of r.methods) assert.ok(table.includes(m.name), m.name);
  assert.match(table, /t=100/);
  const csv = formatCsv(r).trim().split('\n');
  assert.equal(csv.length, 1 + r.methods.reduce((a, m) => a + m.steps.length, 0));
  assert.equal(csv[0].split(',').length, csv[1].split(',').length);
  const svg = formatSvg(r);
  assert.ok(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>'));
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2 * r.methods.length);
  assert.ok(!/NaN|Infinity/.test(svg));
  assert.equal(formatSparklines(r).trim().split('\n').length, 1 + r.methods.length);
});

async function runCommand(args: string[]): Promise<string> {
  const program = new Command();
  program.option('--store <dir>', 'store', '.unlearn').option('--json', 'json').exitOverride();
  register(program);
  let out = '';
  // Capture through the CLI's sink: swapping process.stdout.write would also swallow the
  // test runner's own reports, which travel on stdout.
  setOutputSink((text) => {
    out += text;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    setOutputSink(undefined);
  }
  return out;
}

test('unlearn linear writes result.json, curves.csv and plot.svg atomically under <store>/linear/<hash>/', async () => {
  const store = mkdtempSync(join(tmpdir(), 'linear-cli-'));
  try {
    const out = await runCommand(['--store', store, 'linear', '--n', '20', '--d', '50', '--k', '2', '--steps', '300', '--plot', 'svg', '--ascent-weight', '1']);
    assert.match(out, /OM on R/);
    const hash = linearSettingsHash(parseLinearSettings({ n: 20, d: 50, k: 2, steps: 300, ascentWeights: [1] }));
    const dir = join(store, 'linear', hash);
    assert.deepEqual(readdirSync(dir).sort(), ['curves.csv', 'plot.svg', 'result.json']);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as LinearStudyResult;
    assert.equal(result.kind, 'linear-study');
    assert.equal(result.settingsHash, hash);
    assert.deepEqual(result.methods.map((m) => m.id), ['om', 'om-r', 'gd-r', 'gd-ga-1', 'dm-direct', 'dmm']);

    const json = await runCommand(['--store', store, '--json', 'linear', '--n', '20', '--d', '50', '--k', '2', '--steps', '30', '--out', join(store, 'o')]);
    assert.equal((JSON.parse(json) as LinearStudyResult).settings.steps, 30);
    assert.ok(existsSync(join(store, 'o', 'result.json')));
    assert.ok(!readdirSync(join(store, 'o')).some((f) => f.includes('.tmp-')));
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
});

test('unlearn linear rejects bad options with bad-config errors', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['linear', '--n', 'abc'], /--n: 'abc' is not a number/],
    [['linear', '--k', '100'], /k: the forget set/],
    [['linear', '--lambda', '-0.5'], /lambda/],
    [['linear', '--lr', '0'], /lr/],
    [['linear', '--plot', 'png'], /--plot/],
  ];
  for (const [args, pattern] of cases) {
    await assert.rejects(runCommand(args), (e: unknown) => e instanceof UnlearnError && e.code === 'bad-config' && pattern.test(e.message));
  }
});
