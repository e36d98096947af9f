import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { countColour, frames, launch, openPanel, skipReason, type PanelPage } from './harness';
import { COMPARE_SNAPSHOT } from './fixtures';

const skip = skipReason();
let browser: Browser;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function firstColumn(p: PanelPage): Promise<string[]> {
  return p.page.locator('#rows tbody tr[data-row] td:first-child').evaluateAll((tds) => tds.map((td) => td.firstChild?.textContent ?? ''));
}

test('compare panel: figure, provenance, sortable table, percentile, exports', { skip: skip ?? false }, async () => {
  const p = await openPanel(browser, 'compare', { width: 1200, height: 1000 });
  await p.waitForPosted('ready');
  await p.send({ type: 'snapshot', snapshot: COMPARE_SNAPSHOT });
  await frames(p.page);
  assert.equal(await p.page.locator('#title').textContent(), COMPARE_SNAPSHOT.title);
  const prov = (await p.page.locator('#provenance').textContent()) ?? '';
  for (const part of ['N = 100', 'backend wasm', 'seeds: originals 0..99', 'preset workbench', 'LDS 0.55', 'M 1000']) assert.ok(prov.includes(part), `provenance has ${part}: ${prov}`);

  // figure: series colours, reference lines (the do-nothing line is red), not blank
  const fig = await countColour(p.page, '#figure', [0x37, 0x94, 0xff], 40);
  assert.ok(fig.matching > 30, `first method series drawn (${fig.matching} px)`);
  const red = await countColour(p.page, '#figure', [0xf1, 0x4c, 0x4c], 40);
  assert.ok(red.matching > 50, `do-nothing line and diverged marker drawn (${red.matching} px)`);

  // table: markup in a label stays text; the diverged row is marked
  assert.equal(await p.page.locator('#rows b').count(), 0);
  const ga = p.page.locator('#rows tr[data-row="ga@1"]');
  assert.equal(await ga.getAttribute('class'), 'diverged');
  assert.match((await ga.textContent()) ?? '', /diverged \(7 models\)/);

  // default sort: avg p99 ascending
  let labels = await firstColumn(p);
  assert.equal(labels[0], 'Oracle noise floor');
  assert.equal(labels[labels.length - 1], 'GA <b>bold</b> (1 ep)');
  await p.page.locator('button[data-sort="cost"]').click();
  labels = await firstColumn(p);
  assert.equal(labels[labels.length - 1], 'GD (20 ep)', 'cost ascending');
  await p.page.keyboard.press('Enter'); // the sort button keeps focus: Enter flips the order
  labels = await firstColumn(p);
  assert.equal(labels[0], 'GD (20 ep)', 'cost descending');
  assert.equal(await p.page.locator('th[aria-sort="descending"]').count(), 1);
  await p.page.locator('button[data-sort="label"]').click();
  labels = await firstColumn(p);
  assert.deepEqual(labels.slice(0, 3), ['DM-Direct', 'DMM (20 ep)', 'Do nothing']);

  // percentile control: the headline column and the figure follow it
  await p.page.evaluate(() => {
    const s = document.getElementById('percentile') as HTMLElement & { value: string };
    s.value = 'p95';
    s.dispatchEvent(new Event('change'));
  });
  assert.equal(await p.page.locator('#rows thead th').nth(3).textContent(), 'avg p95');

  // exports: the webview makes the content, the host saves it
  await p.page.locator('#export-csv').click();
  const csv = await p.waitForPosted('export');
  assert.equal(csv.format, 'csv');
  const lines = String(csv.text).trim().split('\n');
  assert.equal(lines.length, COMPARE_SNAPSHOT.rows.length + 1);
  assert.match(lines[0], /^method,label,epochs,steps,cost,/);
  await p.page.locator('#export-svg').click();
  const svg = await p.waitForPosted('export', 2);
  assert.equal(svg.format, 'svg');
  assert.match(String(svg.text), /^<svg /);
  assert.ok(String(svg.text).includes('N = 100'), 'the exported figure carries its provenance');
  assert.ok(String(svg.text).includes('GA &lt;b&gt;bold&lt;/b&gt;') || !String(svg.text).includes('<b>'), 'labels escaped in SVG');
  await p.page.locator('#export-png').click();
  // Encoding a 2× PNG in headless Chromium without a GPU can take seconds on a loaded machine.
  const png = await p.waitForPosted('export', 3, 30_000).catch(async (e: unknown) => {
    throw new Error(`${String(e)}; status: ${(await p.page.locator('#status').textContent()) ?? ''}`);
  });
  assert.equal(png.format, 'png');
  assert.match(String(png.fileName), /-p95\.png$/);
  assert.ok((png.bytes as { length: number }).length > 5000, 'PNG has content');
  await p.send({ type: 'exported', path: '/tmp/figure.png' });
  assert.match((await p.page.locator('#status').textContent()) ?? '', /exported to \/tmp\/figure.png/);

  await p.page.locator('#rows tr[data-row="om@20"] button.per-point').click();
  assert.deepEqual(await p.waitForPosted('openPerPoint'), { type: 'openPerPoint', rowId: 'om@20' });

  await p.screenshot('compare');
  assert.deepEqual(await p.cspViolations(), []);
  assert.deepEqual(p.pageErrors, []);
  const state = await p.state();
  assert.deepEqual(state, { percentile: 'p95', sortKey: 'label', sortDesc: false });
  await p.close();

  // reload: percentile and sort come back
  const q = await openPanel(browser, 'compare', { state });
  await q.waitForPosted('ready');
  await q.send({ type: 'snapshot', snapshot: COMPARE_SNAPSHOT });
  assert.equal(await q.page.locator('#rows thead th').nth(3).textContent(), 'avg p95');
  assert.equal((await firstColumn(q))[0], 'DM-Direct');
  await q.close();
});

test('compare panel: no comparison yet, and 10,000 rows do not stall', { skip: skip ?? false }, async (t) => {
  const p = await openPanel(browser, 'compare');
  await p.waitForPosted('ready');
  await p.send({ type: 'snapshot', snapshot: null, message: 'No comparison yet: run “Unlearn: Compare Unlearners”.' });
  assert.match((await p.page.locator('#empty').textContent()) ?? '', /No comparison yet/);
  // Built inside the page: sending 10,000 rows through page.evaluate would time Playwright, not the panel.
  const ms = await p.page.evaluate((base) => {
    const split = { n: 100, p95: 0.4, p99: 0.5, mean: 0.2 };
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      id: `m${i}`, method: `m${i % 8}`, label: `M${i % 8} (${i} ep)`, epochs: i, steps: i * 16, cost: 0.001 + i / 10_000,
      presupposedRetrainings: null, precomputeCost: null, nUnlearned: 100, nOracle: 100, forget: split, retain: split, validation: split,
      headline: { p95: ((i % 97) / 10) * 0.8, p99: (i % 97) / 10 }, accuracy: { forget: 0.9, retain: 0.9, validation: 0.8 },
      diverged: i % 500 === 0, divergedModels: 0, datamodel: null,
    }));
    const t0 = performance.now();
    window.postMessage({ type: 'snapshot', snapshot: { ...base, rows } }, '*');
    return new Promise<number>((r) => setTimeout(() => requestAnimationFrame(() => r(performance.now() - t0)), 0));
  }, { title: COMPARE_SNAPSHOT.title, provenance: COMPARE_SNAPSHOT.provenance });
  t.diagnostic(`10,000 rows drawn in ${ms.toFixed(0)} ms`);
  const inDom = await p.page.locator('#rows tbody tr[data-row]').count();
  assert.ok(inDom > 10 && inDom < 200, `only the rows in view are in the DOM (${inDom})`);
  // sorted by avg p99 ascending: the last row is one of the largest; scrolling brings it in
  await p.page.locator('.table-wrap').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await frames(p.page);
  const lastRow = await p.page.locator('#rows tbody tr[data-row]').last().getAttribute('aria-rowindex');
  assert.equal(lastRow, '10001');
  const fig = await countColour(p.page, '#figure', [0x37, 0x94, 0xff], 40);
  assert.ok(fig.matching > 30, 'figure drawn');
  assert.deepEqual(p.pageErrors, []);
  await p.close();
});
