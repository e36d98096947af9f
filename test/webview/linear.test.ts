import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { countColour, frames, launch, openPanel, skipReason, type PanelPage } from './harness';
import { LINEAR_FORM, LINEAR_RESULT } from './fixtures';

const skip = skipReason();
let browser: Browser;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function fill(p: PanelPage, key: string, value: string): Promise<void> {
  await p.page.locator(`#f-${key} input`).fill(value);
}

test('linear-study panel: log-log curves, settings form, run and cancel, state', { skip: skip ?? false }, async () => {
  const p = await openPanel(browser, 'linear', { width: 1100, height: 1100 });
  await p.waitForPosted('ready');
  await p.send({ type: 'snapshot', snapshot: { form: LINEAR_FORM, result: LINEAR_RESULT, running: false, trusted: true } });
  await frames(p.page);
  assert.equal(await p.page.locator('#chart .u-legend .u-series').count(), 6, 'iteration + five methods');
  assert.match((await p.page.locator('#chart .u-legend').textContent()) ?? '', /GD\+GA \(a=1\) \(diverged\)/);
  assert.match((await p.page.locator('#methods').textContent()) ?? '', /diverged at step 2000 \(exploded\)/);
  assert.match((await p.page.locator('#study-info').textContent()) ?? '', /step size 0\.0123 \(1 \/ λ_max\) · λ_max 81\.3 · forget set 3, 17, 42, 64, 88/);
  const om = await countColour(p.page, '#chart .uplot canvas', [0x37, 0x94, 0xff], 60);
  assert.ok(om.matching > 30, `OM curve drawn (${om.matching} px)`);
  assert.equal(await p.page.locator('#chart .u-axis').count(), 2);
  assert.equal(await p.page.locator('#f-ascentWeights').evaluate((el) => (el as HTMLElement & { value: string }).value), '1, 0.1');

  // invalid settings are shown beside their field and nothing is sent
  await fill(p, 'k', '200');
  await fill(p, 'lr', '-1');
  await p.page.locator('#run').click();
  assert.match((await p.page.locator('#f-k-error').textContent()) ?? '', /smaller than the training set/);
  assert.match((await p.page.locator('#f-lr-error').textContent()) ?? '', /.+/);
  assert.equal((await p.posted()).filter((m) => m.type === 'run').length, 0);

  // fixed, it runs with the parsed settings
  await fill(p, 'k', '10');
  await fill(p, 'lr', '');
  await fill(p, 'ascentWeights', '1, 0.5');
  await fill(p, 'steps', '2000');
  await p.page.locator('#run').click();
  const run = await p.waitForPosted('run');
  assert.deepEqual(run.form, { ...LINEAR_FORM, k: 10, steps: 2000, ascentWeights: [1, 0.5] });
  assert.equal(await p.page.locator('#cancel').getAttribute('disabled'), null);
  await p.send({ type: 'progress', methodId: 'gd-r', step: 1200, steps: 2000 });
  assert.match((await p.page.locator('#status').textContent()) ?? '', /running gd-r: step 1200 of 2000/);
  await p.page.locator('#cancel').click();
  await p.waitForPosted('cancel');
  await p.send({ type: 'cancelled' });
  assert.match((await p.page.locator('#status').textContent()) ?? '', /cancelled/);

  // switch to the prediction-error curves; a finished run replaces the plot
  await p.page.evaluate(() => {
    const s = document.getElementById('metric') as HTMLElement & { value: string };
    s.value = 'pred';
    s.dispatchEvent(new Event('change'));
  });
  await p.send({ type: 'result', result: { ...LINEAR_RESULT, methods: LINEAR_RESULT.methods.slice(0, 4), totalMs: 900 } });
  await frames(p.page);
  assert.equal(await p.page.locator('#chart .u-legend .u-series').count(), 5);
  assert.match((await p.page.locator('#chart-caption').textContent()) ?? '', /relative test prediction error against iteration/);

  await p.screenshot('linear');
  assert.deepEqual(await p.cspViolations(), []);
  assert.deepEqual(p.pageErrors, []);

  // reload: the edited draft and the chosen curve survive; a restricted workspace cannot run
  const state = (await p.state()) as { metric: string; draft: Record<string, string> };
  assert.equal(state.metric, 'pred');
  assert.equal(state.draft.ascentWeights, '1, 0.5');
  await p.close();
  const q = await openPanel(browser, 'linear', { state });
  await q.waitForPosted('ready');
  await q.send({ type: 'snapshot', snapshot: { form: LINEAR_FORM, result: LINEAR_RESULT, running: false, trusted: false } });
  assert.equal(await q.page.locator('#f-ascentWeights').evaluate((el) => (el as HTMLElement & { value: string }).value), '1, 0.5');
  assert.equal(await q.page.locator('#trust').isVisible(), true);
  assert.equal(await q.page.locator('#run').getAttribute('disabled'), '');
  await q.close();
});
