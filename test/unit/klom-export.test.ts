// Summary exports: JSON and CSV content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, perPointCsv, summaryCsv, summaryJson, type KlomReport } from '../../src/engine/eval/export.js';
import { summarizeKlom } from '../../src/engine/eval/summary.js';

const klom = [0.1, 2.5, 0.2, 0.3, 1 / 3, 0.05, 0.4];
const summary = summarizeKlom({ klom, nTrain: 5, forget: [1] });
const report: KlomReport = {
  forgetSet: 'random-1',
  datasetId: 'toy@1',
  options: { binning: 'reference' },
  rows: [
    { label: 'OM, per-model', nUnlearned: 100, nOracle: 100, summary, provenance: { backend: 'wasm' } },
    { label: 'do "nothing"', nUnlearned: 100, nOracle: 100, divergedUnlearned: [3, 4], summary: { ...summary, validation: { n: 0, p95: NaN, p99: NaN, mean: NaN } } },
  ],
};

test('summary JSON keeps every digit and writes NaN as null', () => {
  const doc = JSON.parse(summaryJson(report)) as { rows: { forget: { p99: number }; retain: { mean: number }; validation: { p99: number | null }; nUnlearned: number; divergedUnlearned: number[]; provenance: Record<string, string> }[] };
  assert.equal(doc.rows[0].forget.p99, summary.forget.p99);
  assert.equal(doc.rows[0].retain.mean, summary.retain.mean);
  assert.equal(doc.rows[0].nUnlearned, 100);
  assert.equal(doc.rows[0].provenance.backend, 'wasm');
  assert.equal(doc.rows[1].validation.p99, null);
  assert.deepEqual(doc.rows[1].divergedUnlearned, [3, 4]);
});

test('summary CSV: header, quoting, full precision', () => {
  const lines = summaryCsv(report).trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[0].split(',').length, 4 + 12 + 3);
  assert.ok(lines[0].startsWith('label,N_unlearned,N_oracle,diverged_unlearned,forget_n,forget_p95,forget_p99,forget_mean,retain_n'));
  assert.ok(lines[1].startsWith('"OM, per-model",100,100,0,1,2.5,2.5,2.5,4,'));
  assert.ok(lines[1].includes(String(summary.retain.mean)));
  assert.ok(lines[2].startsWith('"do ""nothing""",100,100,2,'));
  assert.ok(lines[2].includes(',0,,,,'), 'empty validation split: n 0 and empty statistics');
  assert.equal(csvField(NaN), '');
  assert.equal(csvField('a\nb'), '"a\nb"');
});

test('per-point CSV names each point’s split', () => {
  const lines = perPointCsv(klom, 5, [1]).trimEnd().split('\n');
  assert.equal(lines[0], 'point,split,index,klom');
  assert.equal(lines[2], '1,forget,1,2.5');
  assert.equal(lines[5], `4,retain,4,${1 / 3}`);
  assert.equal(lines[6], '5,validation,0,0.05');
});
