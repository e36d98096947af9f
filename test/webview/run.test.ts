import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { countColour, frames, launch, openPanel, skipReason } from './harness';
import { runJob } from './fixtures';

const skip = skipReason();
let browser: Browser;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('run panel: live progress, loss curves, cancel, state', { skip: skip ?? false }, async (t) => {
  const p = await openPanel(browser, 'run');
  await p.waitForPosted('ready');
  await p.send({ type: 'snapshot', snapshot: { jobs: [runJob('a', 'running'), runJob('b', 'done', { fraction: 1, modelsDone: 100, error: null, label: 'compare <unlearners>' })], trusted: false } });
  await frames(p.page);
  assert.equal(await p.page.locator('#trust').isVisible(), true, 'restricted workspace is said');
  assert.equal(await p.page.locator('section.job').count(), 2);
  assert.equal(await p.page.locator('section.job[data-job="b"] .toggle').textContent(), 'compare <unlearners>');
  const meta = () => p.page.locator('section.job[data-job="a"] .meta').textContent();
  assert.match((await meta()) ?? '', /originals · models 30 of 100 · 30% · ETA 1m 35s · backend wasm/);

  // deltas append to the loss curves and move the counters
  const points = Array.from({ length: 20 }, (_, i) => ({ series: i % 2 ? 'oracles' : 'originals', x: 40 + i * 5, y: 0.6 / (1 + i * 0.1) }));
  await p.send({ type: 'progress', progress: { jobId: 'a', phase: 'oracles', fraction: 0.55, modelsDone: 55, modelsTotal: 100, etaSeconds: 40, points } });
  await frames(p.page);
  assert.match((await meta()) ?? '', /oracles · models 55 of 100 · 55% · ETA 40s/);
  assert.equal(await p.page.locator('section.job[data-job="a"] .u-legend .u-series').count(), 2, 'two loss series');
  const blue = await countColour(p.page, 'section.job[data-job="a"] .uplot canvas', [0x37, 0x94, 0xff], 60);
  assert.ok(blue.matching > 20, `loss curve drawn (${blue.matching} px)`);

  // 10,000 streamed points do not stall the chart (built in the page, so that Playwright's transfer is not timed)
  const ms = await p.page.evaluate(() => {
    const points = Array.from({ length: 10_000 }, (_, i) => ({ series: 'oracles', x: 200 + i, y: 0.5 * Math.exp(-i / 3000) + 0.01 }));
    const t0 = performance.now();
    window.postMessage({ type: 'progress', progress: { jobId: 'a', phase: 'oracles', fraction: 0.9, modelsDone: 90, modelsTotal: 100, etaSeconds: 5, points } }, '*');
    return new Promise<number>((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - t0))), 0));
  });
  t.diagnostic(`10,000 loss points drawn in ${ms.toFixed(0)} ms`);
  assert.match((await meta()) ?? '', /models 90 of 100/);

  // cancel: only for active jobs
  await p.page.locator('section.job[data-job="a"] vscode-button.cancel').click();
  assert.deepEqual(await p.waitForPosted('cancel'), { type: 'cancel', jobId: 'a' });
  assert.equal(await p.page.locator('section.job[data-job="b"] vscode-button.cancel').getAttribute('disabled'), '');
  await p.send({ type: 'jobState', jobId: 'a', state: 'cancelled', error: null });
  assert.equal(await p.page.locator('section.job[data-job="a"] .badge').textContent(), 'cancelled');
  assert.equal(await p.page.locator('section.job[data-job="a"] vscode-button.cancel').getAttribute('disabled'), '');

  // keyboard: the job header folds its body, and that survives a reload
  await p.page.locator('section.job[data-job="b"] .toggle').focus();
  await p.page.keyboard.press('Enter');
  assert.equal(await p.page.locator('#body-b').isHidden(), true);
  await p.send({ type: 'jobAdded', job: runJob('c', 'queued', { series: [], fraction: 0, modelsDone: 0, etaSeconds: null }) });
  assert.equal(await p.page.locator('section.job').first().getAttribute('data-job'), 'c', 'newest first');

  await p.screenshot('run');
  assert.deepEqual(await p.cspViolations(), []);
  assert.deepEqual(p.pageErrors, []);
  const state = await p.state();
  assert.deepEqual(state, { collapsed: ['b'], logScale: false });
  await p.close();

  const q = await openPanel(browser, 'run', { state });
  await q.waitForPosted('ready');
  await q.send({ type: 'snapshot', snapshot: { jobs: [runJob('a', 'running'), runJob('b', 'done')], trusted: true } });
  assert.equal(await q.page.locator('#body-b').isHidden(), true);
  assert.equal(await q.page.locator('#trust').isHidden(), true);
  await q.close();
});
