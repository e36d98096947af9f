import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { notification, openWorkbench, runCommand, screenshot, waitFor, webviewFrame, type Workbench } from './harness';

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

/** A row of the Experiments view (not the Explorer's) whose text contains `text`. */
function experimentsRow(page: Page, text: string | RegExp) {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Experiments' }) }).locator('.monaco-list-row', { hasText: text }).first();
}

test('New Experiment from the palette writes an experiment file and a forget set', async () => {
  await runCommand(wb.page, 'Unlearn: New Experiment');
  await answer(wb.page, /dataset/);
  await answer(wb.page, /model/);
  await answer(wb.page, /models per ensemble/, '4');
  await answer(wb.page, /forget set/);
  await answer(wb.page, /Experiment name/, 'e2e');
  const file = join(wb.workspace, 'e2e.experiment.json');
  // The extension writes the file whole (a temporary renamed into place): from the moment it
  // exists it parses. Written in place, it could be read between its creation and its contents
  // landing ('Unexpected end of JSON input' on CI).
  let torn: string | undefined;
  const whole = () => {
    if (!existsSync(file)) return undefined;
    const text = readFileSync(file, 'utf8');
    try {
      return JSON.parse(text) as { n: number; forgetSets: string[] };
    } catch {
      torn ??= text;
      return undefined;
    }
  };
  await waitFor(async () => whole() !== undefined, 60_000, () => (existsSync(file) ? `e2e.experiment.json is not valid JSON: ${readFileSync(file, 'utf8').slice(0, 200)}` : 'no e2e.experiment.json was written'));
  assert.equal(torn, undefined, `e2e.experiment.json was seen incomplete: ${JSON.stringify(torn?.slice(0, 200))}`);
  const e = whole() as { n: number; forgetSets: string[] };
  assert.equal(e.n, 4);
  assert.deepEqual(e.forgetSets, ['forget-sets/e2e-random-100.forget.json']);
  assert.ok(existsSync(join(wb.workspace, e.forgetSets[0])));
  // The Experiments view shows the new experiment with its forget set (not an empty view).
  await runCommand(wb.page, 'Focus on Experiments View');
  await experimentsRow(wb.page, 'preset quick').waitFor({ timeout: 30_000 });
  await experimentsRow(wb.page, 'forget-sets/e2e-random-100.forget.json').waitFor({ timeout: 30_000 });
  await screenshot(wb.page, 'new-experiment');
});

test('the Experiments view follows a file replaced by a rename (as the extension writes) and lists a broken file with its error', async () => {
  const file = join(wb.workspace, 'e2e.experiment.json');
  const original = readFileSync(file, 'utf8');
  const replace = (text: string) => {
    const temp = join(wb.workspace, '.e2e.experiment.json.e2etest.tmp');
    writeFileSync(temp, text);
    renameSync(temp, file);
  };
  // The methods row's text (label and description, white space left out).
  let shown = '';
  const methods = async () => (shown = (await experimentsRow(wb.page, /^\s*methods/).textContent().catch(() => '')) ?? '').replace(/\s+/g, '');
  await runCommand(wb.page, 'Focus on Experiments View');
  try {
    replace(JSON.stringify({ ...JSON.parse(original), methods: ['gd'] }, null, 2));
    await waitFor(async () => (await methods()) === 'methodsgd', 30_000, () => `the view did not follow the renamed file: ${shown}`);
  } finally {
    replace(original);
  }
  await waitFor(async () => (await methods()) === 'methodsgd,ga,scrub,om,dmm', 30_000, () => `the view did not follow the file renamed back: ${shown}`);

  const broken = join(wb.workspace, 'broken.experiment.json');
  writeFileSync(broken, '{"version": 1,');
  try {
    const row = experimentsRow(wb.page, 'broken.experiment.json');
    await row.waitFor({ timeout: 30_000 });
    assert.match((await row.textContent()) ?? '', /cannot be read: not valid JSON/);
    await experimentsRow(wb.page, 'preset quick').waitFor({ timeout: 10_000 });
    await screenshot(wb.page, 'experiments-view');
  } finally {
    rmSync(broken, { force: true });
  }
  await experimentsRow(wb.page, 'broken.experiment.json').waitFor({ state: 'detached', timeout: 30_000 });
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

test('Mark Forget Set: points picked by hand in the image grid are saved and join the experiment', async () => {
  await runCommand(wb.page, 'Unlearn: Mark Forget Set');
  const frame = await webviewFrame(wb.page, 'canvas.grid-canvas');
  await waitFor(async () => /of 1000 shown/.test((await frame.locator('#count').textContent()) ?? ''), 60_000, () => 'the grid did not load the 1,000 training points');
  await wb.page.waitForTimeout(500);
  await frame.locator('canvas.grid-canvas').click({ position: { x: 4 + 28, y: 4 + 28 } });
  await frame.locator('canvas.grid-canvas').click({ position: { x: 4 + 3 * 60 + 28, y: 4 + 28 }, modifiers: ['Shift'] });
  await waitFor(async () => /^4 selected/.test((await frame.locator('#count').textContent()) ?? ''), 10_000, () => 'shift-click did not select points 0..3');
  await frame.locator('#set-name input').fill('hand picked');
  await frame.locator('#save').click();
  const file = join(wb.workspace, 'forget-sets', 'hand-picked.forget.json');
  await waitFor(async () => existsSync(file), 30_000, () => 'hand-picked.forget.json was not written');
  await screenshot(wb.page, 'forget-set-panel');
  const set = JSON.parse(readFileSync(file, 'utf8')) as { indices: number[]; kind: string };
  assert.deepEqual(set.indices, [0, 1, 2, 3]);
  assert.equal(set.kind, 'manual');
  // The host adds the set to the experiment file after the engine has written the set: wait for it.
  const listed = () => (JSON.parse(readFileSync(join(wb.workspace, 'e2e.experiment.json'), 'utf8')) as { forgetSets: string[] }).forgetSets[0];
  await waitFor(async () => listed() === 'forget-sets/hand-picked.forget.json', 30_000, () => `the experiment lists ${listed()} first, not the saved set`);
});

test('Run Linear Study shows the four convergence curves', async () => {
  await runCommand(wb.page, 'Unlearn: Run Linear Study');
  const frame = await webviewFrame(wb.page, '#run');
  await frame.locator('#run').click();
  await waitFor(async () => /OM/.test((await frame.locator('body').innerText()) ?? '') && (await frame.locator('canvas').count()) > 0, 120_000, () => 'no study result shown');
  await wb.page.waitForTimeout(1000);
  await screenshot(wb.page, 'linear-panel');
});

test('Compare Unlearners (GD, OM per-model, DMM) opens the cost-vs-KLoM panel; a row drills down to per-point KLoM', async () => {
  // A tiny comparison: three unlearners, 24 datamodel subset models.
  const file = join(wb.workspace, 'e2e.experiment.json');
  const e = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...e, methods: ['gd', 'om-pm', 'dmm'], datamodels: { models: 24 } }, null, 2));
  await runCommand(wb.page, 'Unlearn: Compare Unlearners');
  const frame = await webviewFrame(wb.page, '#rows tbody tr[data-row]', 600_000);
  const labels = await frame.locator('#rows tbody tr[data-row] td:first-child').evaluateAll((tds) => tds.map((td) => td.firstChild?.textContent ?? ''));
  assert.ok(labels.some((l) => /^DMM/.test(l)), `rows: ${labels.join(' | ')}`);
  assert.ok(labels.some((l) => /^OM/.test(l)) && labels.some((l) => /^GD/.test(l)), `rows: ${labels.join(' | ')}`);
  assert.ok(labels.some((l) => /do nothing/i.test(l)) && labels.some((l) => /noise floor/i.test(l)), `rows: ${labels.join(' | ')}`);
  assert.match((await frame.locator('#provenance').textContent()) ?? '', /N = 4/);
  await screenshot(wb.page, 'compare-panel');
  await frame.locator('#rows tbody tr[data-row] button.per-point').first().click();
  const pp = await webviewFrame(wb.page, '#hist-forget', 120_000);
  await waitFor(async () => ((await pp.locator('#provenance').textContent()) ?? '').includes('N = 4'), 60_000, () => 'the per-point panel did not load');
  await wb.page.waitForTimeout(1000);
  await screenshot(wb.page, 'per-point-panel');
});

/** Store folders of one section: complete artifacts (with a manifest), others, and hidden temporaries. */
function storeSection(workspace: string, section: string): { complete: string[]; incomplete: string[]; temporary: string[] } {
  const dir = join(workspace, '.unlearn', section);
  const names = existsSync(dir) ? readdirSync(dir) : [];
  const visible = names.filter((n) => !n.startsWith('.'));
  return {
    complete: visible.filter((n) => existsSync(join(dir, n, 'manifest.json'))),
    incomplete: visible.filter((n) => !existsSync(join(dir, n, 'manifest.json'))),
    temporary: names.filter((n) => n.includes('.tmp-')),
  };
}

test('Cancel Job stops a long Train Originals: the job ends cancelled, the engine stays up, the store keeps only whole artifacts', async () => {
  const file = join(wb.workspace, 'e2e.experiment.json');
  const before = readFileSync(file, 'utf8');
  const ensemblesBefore = storeSection(wb.workspace, 'ensembles').complete;
  // N = 400 takes minutes on any backend: long enough to be cancelled while it runs.
  writeFileSync(file, JSON.stringify({ ...JSON.parse(before), n: 400 }, null, 2));
  try {
    await runCommand(wb.page, 'Unlearn: Show Runs');
    const runs = await webviewFrame(wb.page, '#jobs');
    await runCommand(wb.page, 'Unlearn: Train Originals');
    const card = runs.locator('section.job', { hasText: 'originals ×400' });
    const meta = async () => (await card.locator('.meta').textContent().catch(() => '')) ?? '';
    await waitFor(async () => /models \d+ of 400/.test(await meta()), 120_000, () => 'the run panel shows no running originals ×400 job');
    // Let a loss curve appear for the screenshot; its absence is no failure of cancel.
    await card.locator('.uplot canvas').first().waitFor({ timeout: 60_000 }).catch(() => undefined);
    await screenshot(wb.page, 'run-panel');

    await runCommand(wb.page, 'Unlearn: Cancel Job');
    await notification(wb.page, /originals of e2e \(N = 400\) was cancelled/, 120_000);
    await waitFor(async () => (await card.locator('.badge').textContent()) === 'cancelled', 30_000, () => 'the run panel does not show the job as cancelled');
    assert.equal(await card.locator('vscode-button.cancel').getAttribute('disabled'), '', 'cancel is disabled once the job ended');

    // Nothing half-written: every visible store folder is a whole artifact, no temporary is left
    // behind, and no 400-model ensemble was written.
    for (const section of ['models', 'ensembles']) {
      const s = storeSection(wb.workspace, section);
      assert.deepEqual(s.incomplete, [], `${section}: folders without a manifest`);
      assert.deepEqual(s.temporary, [], `${section}: temporaries left after cancel`);
    }
    assert.deepEqual(storeSection(wb.workspace, 'ensembles').complete.sort(), ensemblesBefore.sort(), 'no new ensemble after cancel');

    // The engine is still there: a following command answers.
    await runCommand(wb.page, 'Unlearn: Show Engine Backend');
    assert.match(await notification(wb.page, /backend/i, 60_000), /wasm|tensorflow|cpu/);

    // The Jobs view in the Unlearning side bar says the same.
    await runCommand(wb.page, 'Focus on Jobs View');
    const row = wb.page.locator('.monaco-list-row', { hasText: 'originals ×400' }).first();
    await row.waitFor({ timeout: 30_000 });
    await waitFor(async () => /cancelled/.test(await row.innerText()), 30_000, () => 'the Jobs view does not show the job as cancelled');
    await screenshot(wb.page, 'cancelled-job');
  } finally {
    writeFileSync(file, before);
  }
});

test('in a light theme the panels take their colours from it', async () => {
  const settings = join(wb.userData, 'User', 'settings.json');
  mkdirSync(join(wb.userData, 'User'), { recursive: true });
  const prior = existsSync(settings) ? (JSON.parse(readFileSync(settings, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(settings, JSON.stringify({ ...prior, 'workbench.colorTheme': 'Default Light Modern' }, null, 2));
  await runCommand(wb.page, 'Unlearn: Open Results');
  const frame = await webviewFrame(wb.page, '#rows tbody tr[data-row]', 300_000);
  await waitFor(async () => (await frame.locator('body').getAttribute('class'))?.includes('vscode-light') === true, 60_000, () => 'the webview did not switch to the light theme');
  const { bg, variable } = await frame.locator('body').evaluate((b) => ({
    bg: getComputedStyle(b).backgroundColor,
    variable: getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim(),
  }));
  const [r, g, bl] = (bg.match(/\d+/g) ?? []).map(Number);
  assert.ok(0.2126 * r + 0.7152 * g + 0.0722 * bl > 200, `a light background (${bg}, variable ${variable})`);
  await wb.page.waitForTimeout(1000);
  await screenshot(wb.page, 'compare-panel-light');
});
