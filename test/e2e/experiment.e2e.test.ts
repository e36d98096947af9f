import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { notification, openWorkbench, runCommand, screenshot, waitFor, type Workbench } from './harness';

let wb: Workbench;

before(async () => {
  wb = await openWorkbench('experiment');
});

after(async () => {
  await wb?.close();
});

/** Answers the current quick pick or input box: types `text` (if any) and presses Enter. */
async function answer(page: Page, title: RegExp, text?: string): Promise<void> {
  const widget = page.locator('.quick-input-widget', { hasText: title });
  await widget.waitFor({ timeout: 60_000 });
  if (text !== undefined) await widget.locator('input').fill(text);
  await page.keyboard.press('Enter');
}

test('New Experiment from the palette writes an experiment file and a forget set', async () => {
  await runCommand(wb.page, 'Unlearn: New Experiment');
  await answer(wb.page, /dataset/);
  await answer(wb.page, /model/);
  await answer(wb.page, /models per ensemble/, '4');
  await answer(wb.page, /forget set/);
  await answer(wb.page, /Experiment name/, 'e2e');
  const file = join(wb.workspace, 'e2e.experiment.json');
  await waitFor(async () => existsSync(file), 60_000, () => 'no e2e.experiment.json was written');
  const e = JSON.parse(readFileSync(file, 'utf8')) as { n: number; forgetSets: string[] };
  assert.equal(e.n, 4);
  assert.deepEqual(e.forgetSets, ['forget-sets/e2e-random-100.forget.json']);
  assert.ok(existsSync(join(wb.workspace, e.forgetSets[0])));
  await wb.page.locator('.monaco-workbench').click({ position: { x: 5, y: 400 } }).catch(() => undefined);
  await screenshot(wb.page, 'new-experiment');
});

test('Train Originals and Train Oracles run as jobs with progress and store the ensembles', async () => {
  await runCommand(wb.page, 'Unlearn: Train Originals');
  const orig = await notification(wb.page, /originals of e2e: 4 models/, 300_000);
  assert.match(orig, /train accuracy/);
  await runCommand(wb.page, 'Unlearn: Train Oracles');
  await notification(wb.page, /oracles-floor of e2e: 4 models/, 300_000);
  await screenshot(wb.page, 'train-ensembles');
  assert.ok(existsSync(join(wb.workspace, '.unlearn', 'ensembles')));
});
