// SPEC §7's measured expectations for the linear-model study, on the default seeded setting, and
// the study's bookkeeping (recording, divergence, both solvers giving the same curves).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type LinearMethodCurve, type LinearStudyResult, recordSteps, runLinearStudy } from '../../src/engine/linear';

let cached: LinearStudyResult | undefined;
function defaults(): LinearStudyResult {
  cached ??= runLinearStudy({});
  return cached;
}

function method(r: LinearStudyResult, id: string): LinearMethodCurve {
  const m = r.methods.find((x) => x.id === id);
  assert.ok(m, `method ${id} missing; have ${r.methods.map((x) => x.id).join(', ')}`);
  return m;
}

const at = (m: LinearMethodCurve, step: number): number => {
  const i = m.steps.indexOf(step);
  assert.ok(i >= 0, `${m.id} has no record at step ${step}`);
  return m.relParamDist[i];
};

test('defaults: n = 100, d = 400, k = 5, λ = 1e-3, 10,000 steps, lr = 1/λ_max', () => {
  const r = defaults();
  assert.deepEqual([r.settings.n, r.settings.d, r.settings.k, r.settings.lambda, r.settings.steps], [100, 400, 5, 1e-3, 10_000]);
  assert.equal(r.solver, 'dual');
  assert.equal(r.lrSource, 'auto');
  assert.ok(Math.abs(r.lr * r.lambdaMax - 1) < 1e-12);
  // Marchenko–Pastur edge for 100 × 400 unit Gaussians: (√100 + √400)² = 900.
  assert.ok(r.lambdaMax > 750 && r.lambdaMax < 1050, String(r.lambdaMax));
  assert.equal(r.forget.length, 5);
  assert.ok(r.initial.paramDist > 0);
});

test('OM reaches ‖θ_t − θ_r‖ < 1e-6 · ‖θ − θ_r‖ in about 100 steps', () => {
  const om = method(defaults(), 'om');
  assert.equal(om.diverged, null);
  const first = om.steps.find((_, i) => om.relParamDist[i] < 1e-6);
  assert.ok(first !== undefined && first <= 200, `first step below 1e-6: ${first}`);
  assert.ok(om.relParamDist[om.relParamDist.length - 1] < 1e-6);
  assert.ok(om.relPredErrTest[om.relPredErrTest.length - 1] < 1e-6);
});

test('OM on R only barely moves (≈ 1.0 after 10,000 steps)', () => {
  const m = method(defaults(), 'om-r');
  assert.equal(m.diverged, null);
  const last = at(m, 10_000);
  assert.ok(last > 0.99 && last < 1.01, String(last));
});

test('GD on R does not reach θ_r (≈ 0.99 after 10,000 steps)', () => {
  const m = method(defaults(), 'gd-r');
  assert.equal(m.diverged, null);
  const last = at(m, 10_000);
  assert.ok(last > 0.98 && last < 1, String(last));
});

test('GD + GA diverges: weight 1 within 2,000 steps, weight 0.1 by 1,000', () => {
  const r = defaults();
  const a1 = method(r, 'gd-ga-1');
  const a01 = method(r, 'gd-ga-0.1');
  assert.ok(a1.diverged && a1.diverged.step <= 2000, JSON.stringify(a1.diverged));
  assert.ok(a01.diverged && a01.diverged.step <= 1000, JSON.stringify(a01.diverged));
  for (const m of [a1, a01]) {
    assert.ok(m.steps[m.steps.length - 1] <= m.diverged!.step);
    assert.ok(m.relParamDist.every(Number.isFinite));
    // It never got anywhere near θ_r on the way.
    assert.ok(Math.min(...m.relParamDist) > 0.5);
  }
});

test('a small ascent weight that does not blow up within the run still fails to reach θ_r', () => {
  const r = runLinearStudy({ ascentWeights: [1e-4], steps: 3000, datamodel: 'none' });
  const m = method(r, 'gd-ga-0.0001');
  assert.ok(Math.min(...m.relParamDist) > 0.9);
});

test('datamodel route: DM-Direct is flat, DMM converges to it; the exact datamodel reaches θ_r', () => {
  const r = defaults();
  const dm = method(r, 'dm-direct');
  const dmm = method(r, 'dmm');
  assert.equal(dm.kind, 'direct');
  assert.equal(dm.loss, null);
  assert.ok(dm.relParamDist.every((v) => v === dm.relParamDist[0]));
  assert.ok(Math.abs(dmm.relParamDist[dmm.relParamDist.length - 1] - dm.relParamDist[0]) < 1e-6);
  // The additive datamodel (single-point effects summed) beats doing nothing but is not exact.
  assert.ok(dm.relParamDist[0] < 0.5 && dm.relParamDist[0] > 1e-6, String(dm.relParamDist[0]));
  const exact = runLinearStudy({ datamodel: 'exact', steps: 300, ascentWeights: [1] });
  assert.ok(method(exact, 'dm-direct').relParamDist[0] < 1e-6);
  assert.ok(method(exact, 'dmm').relParamDist.at(-1)! < 1e-6);
});

test('curves are recorded on log-spaced steps, start at θ, and have equal lengths', () => {
  const r = defaults();
  const steps = recordSteps(10_000, 20);
  for (const t of [0, 1, 10, 100, 1000, 10_000]) assert.ok(steps.includes(t));
  assert.ok(steps.every((t, i) => i === 0 || t > steps[i - 1]));
  assert.ok(steps.length < 100);
  for (const m of r.methods) {
    const lens = [m.paramDist, m.relParamDist, m.predErrF, m.predErrR, m.predErrTest, m.relPredErrTest].map((a) => a.length);
    assert.ok(lens.every((l) => l === m.steps.length), m.id);
    if (m.loss) assert.equal(m.loss.length, m.steps.length);
    if (m.kind === 'iterative') {
      assert.equal(m.steps[0], 0);
      assert.equal(m.relParamDist[0], 1);
      assert.equal(m.predErrF[0], r.initial.predErrF);
    }
    if (!m.diverged) assert.deepEqual(m.steps, steps);
  }
  // The forget points carry the whole gap: θ already fits R as θ_r does.
  assert.ok(r.initial.predErrF > 100 * r.initial.predErrR);
});

test('the dual (n × n) and primal (d × d) iterations give the same curves', () => {
  const base = { n: 30, d: 70, k: 3, nTest: 50, steps: 300, seed: 9, ascentWeights: [0.5] };
  const dual = runLinearStudy({ ...base, solver: 'dual' });
  const primal = runLinearStudy({ ...base, solver: 'primal' });
  assert.equal(dual.solver, 'dual');
  assert.equal(primal.solver, 'primal');
  assert.ok(Math.abs(dual.lambdaMax / primal.lambdaMax - 1) < 1e-9);
  for (const m of dual.methods) {
    const p = method(primal, m.id);
    assert.deepEqual(p.steps, m.steps, m.id);
    assert.deepEqual(p.diverged?.step, m.diverged?.step, m.id);
    // The two closed forms agree to ~1e-12 of ‖θ‖, which bounds how closely tiny distances can agree.
    m.relParamDist.forEach((v, i) => {
      assert.ok(Math.abs(p.relParamDist[i] - v) <= 1e-6 * v + 1e-10, `${m.id} at ${m.steps[i]}: ${v} vs ${p.relParamDist[i]}`);
    });
  }
});

test('an iterate that overflows is marked non-finite at its step, and only finite values are kept', () => {
  const r = runLinearStudy({ n: 20, d: 40, k: 2, steps: 20_000, ascentWeights: [1], divergeFactor: 1e300, datamodel: 'none' });
  const m = method(r, 'gd-ga-1');
  assert.ok(m.diverged, 'expected divergence');
  assert.equal(m.diverged.reason, 'non-finite');
  assert.ok(m.relParamDist.every(Number.isFinite) && m.loss!.every(Number.isFinite));
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(r)));
});

test('the same settings give the same study; the seed changes it', () => {
  const a = runLinearStudy({ n: 20, d: 50, k: 2, steps: 50 });
  const b = runLinearStudy({ n: 20, d: 50, k: 2, steps: 50 });
  const c = runLinearStudy({ n: 20, d: 50, k: 2, steps: 50, seed: 1 });
  assert.deepEqual(a.methods.map((m) => m.relParamDist), b.methods.map((m) => m.relParamDist));
  assert.equal(a.settingsHash, b.settingsHash);
  assert.notEqual(a.settingsHash, c.settingsHash);
  assert.notDeepEqual(a.thetaR, c.thetaR);
});

test('the default study is fast', () => {
  const r = defaults();
  assert.ok(r.timings.totalMs < 10_000, `${r.timings.totalMs} ms`);
});

test('cancellation stops the study with a cancelled error', () => {
  const ac = new AbortController();
  ac.abort();
  assert.throws(() => runLinearStudy({}, { signal: ac.signal }), (e: unknown) => (e as { code?: string }).code === 'cancelled');
});
