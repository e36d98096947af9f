import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinedProgress } from '../../src/engine/parallel/pool';
import type { TrainProgress } from '../../src/engine/train/trainer';

const at = (step: number, totalSteps: number, examplesPerSecond = 100): TrainProgress => ({ epoch: 0, epochs: 1, step, totalSteps, loss: NaN, examplesPerSecond, etaSeconds: NaN });

test('groups side by side report as one: steps of all groups add up and never go back, rates add up', () => {
  const seen: TrainProgress[] = [];
  const p = combinedProgress(3, (q) => seen.push(q));
  // Two workers interleave their groups' reports; the third group starts when the first ends.
  p.report(0, at(80, 100));
  p.report(1, at(10, 100));
  p.report(0, at(100, 100));
  p.done(0);
  p.report(1, at(60, 100));
  p.report(2, at(5, 100));
  p.report(1, at(100, 100));
  p.done(1);
  p.report(2, at(100, 100));
  p.done(2);
  assert.deepEqual(
    seen.map((q) => q.step),
    [80, 90, 110, 160, 165, 205, 300],
  );
  assert.ok(seen.every((q) => q.totalSteps === 300));
  assert.equal(seen[1].examplesPerSecond, 200, 'two groups running');
  assert.equal(seen[4].examplesPerSecond, 200, 'the finished group no longer counts');
});

test('groups of unknown size count as the mean of those seen', () => {
  const seen: TrainProgress[] = [];
  const p = combinedProgress(4, (q) => seen.push(q));
  p.report(0, at(10, 40));
  assert.equal(seen[0].totalSteps, 160);
  p.report(1, at(10, 20));
  assert.equal(seen[1].totalSteps, 40 + 20 + 2 * 30);
});
