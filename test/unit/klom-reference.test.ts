// Agreement with NumPy: test/fixtures/klom/reference.py scores random and adversarial margin
// matrices the way EasyDUB's binned_kl_divergence does; the JSON it wrote is checked in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { klom, type KlomBinning, type KlomDirection, type KlomEdgeArithmetic } from '../../src/engine/eval/klom.js';

interface Case {
  name: string;
  nUnlearned: number;
  nOracle: number;
  nPoints: number;
  unlearned: number[];
  oracle: number[];
  expected: Record<string, number[]>;
}

const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/klom/reference.json'), 'utf8')) as { numpy: string; cases: Case[] };

for (const c of fixture.cases) {
  for (const [key, expected] of Object.entries(c.expected)) {
    const [edgeArithmetic, direction, binning] = key.split('/') as [KlomEdgeArithmetic, KlomDirection, KlomBinning];
    test(`KLoM matches NumPy ${fixture.numpy}: ${c.name} ${key}`, () => {
      const u = Float32Array.from(c.unlearned);
      const o = Float32Array.from(c.oracle);
      assert.equal(u.length, c.nUnlearned * c.nPoints);
      assert.equal(o.length, c.nOracle * c.nPoints);
      const got = klom(u, o, c.nPoints, { edgeArithmetic, direction, binning });
      assert.equal(got.length, expected.length);
      for (let j = 0; j < expected.length; j++) {
        assert.ok(Math.abs(got[j] - expected[j]) <= 1e-9, `point ${j}: got ${got[j]}, NumPy ${expected[j]}`);
      }
    });
  }
}

test('KLoM agrees with NumPy bit for bit on most points (same edges, bins and summation order)', () => {
  let same = 0;
  let total = 0;
  for (const c of fixture.cases) {
    for (const [key, expected] of Object.entries(c.expected)) {
      const [edgeArithmetic, direction, binning] = key.split('/') as [KlomEdgeArithmetic, KlomDirection, KlomBinning];
      const got = klom(Float32Array.from(c.unlearned), Float32Array.from(c.oracle), c.nPoints, { edgeArithmetic, direction, binning });
      for (let j = 0; j < expected.length; j++) {
        total++;
        if (got[j] === expected[j]) same++;
      }
    }
  }
  // Only the last ulp of a logarithm may differ between V8 and the C library NumPy uses.
  assert.ok(same / total > 0.95, `${same} of ${total} identical`);
});
