import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { countColour, frames, launch, openPanel, skipReason, type PanelPage } from './harness';
import { forgetSetSnapshot, serveThumbnails } from './fixtures';

const skip = skipReason();
let browser: Browser;

before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function painted(p: PanelPage): Promise<number> {
  await frames(p.page);
  return p.page.evaluate(() => (window as unknown as { __grid: { paintedCells: number } }).__grid.paintedCells);
}

async function waitPainted(p: PanelPage): Promise<void> {
  const t0 = Date.now();
  while ((await painted(p)) === 0) {
    if (Date.now() - t0 > 5000) throw new Error(`grid never painted a thumbnail; errors: ${p.pageErrors.join(' | ')}`);
    await p.page.waitForTimeout(20);
  }
}

/** Page coordinates of the centre of the grid cell at (row, col); cells are 56 px with a 4 px gap. */
async function cell(p: PanelPage, row: number, col: number): Promise<[number, number]> {
  const box = await p.page.locator('canvas.grid-canvas').boundingBox();
  assert.ok(box);
  return [box.x + 4 + col * 60 + 28, box.y + 4 + row * 60 + 28];
}

async function countText(p: PanelPage): Promise<string> {
  return (await p.page.locator('#count').textContent()) ?? '';
}

test('forget-set panel: click, shift-click, drag, filter, host requests, save, saved sets, state', { skip: skip ?? false }, async () => {
  const p = await openPanel(browser, 'forget-set');
  await p.waitForPosted('ready');
  await serveThumbnails(p.page);
  await p.send(forgetSetSnapshot(500));
  await waitPainted(p);
  assert.match(await countText(p), /^0 selected · 500 of 500 shown/);
  // Labels are text, never markup.
  assert.equal(await p.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await p.page.locator('img').count(), 0);

  // click selects one point, shift-click extends to a range in grid order
  let [x, y] = await cell(p, 0, 0);
  await p.page.mouse.click(x, y);
  [x, y] = await cell(p, 0, 5);
  await p.page.keyboard.down('Shift');
  await p.page.mouse.click(x, y);
  await p.page.keyboard.up('Shift');
  assert.match(await countText(p), /^6 selected/);
  const selColour = await countColour(p.page, 'canvas.grid-canvas', [0xd1, 0x86, 0x16], 30);
  assert.ok(selColour.matching > 100, `selection is drawn (${selColour.matching} orange pixels)`);
  assert.ok(selColour.distinct > 3, 'thumbnails are drawn');

  // save posts the sorted indices under the given name
  await p.page.locator('#set-name input').fill('my set');
  await p.page.locator('#save').click();
  const saved = await p.waitForPosted('saveForgetSet');
  assert.deepEqual(saved, { type: 'saveForgetSet', name: 'my set', indices: [0, 1, 2, 3, 4, 5] });
  await p.send({ type: 'saved', name: 'my set', path: '/ws/.unlearn/forget-sets/my set.json' });
  assert.match((await p.page.locator('#status').textContent()) ?? '', /saved “my set”/);

  // a rectangle replaces the selection with every cell it touches (2 rows × 3 columns)
  const [ax, ay] = await cell(p, 1, 1);
  const [bx, by] = await cell(p, 2, 3);
  await p.page.mouse.move(ax, ay);
  await p.page.mouse.down();
  await p.page.mouse.move((ax + bx) / 2, (ay + by) / 2, { steps: 3 });
  await p.page.mouse.move(bx, by, { steps: 3 });
  await p.page.mouse.up();
  assert.match(await countText(p), /^6 selected/);

  // keyboard: Ctrl+A selects every shown point
  await p.page.locator('canvas.grid-canvas').focus();
  await p.page.keyboard.press('Control+a');
  assert.match(await countText(p), /^500 selected/);
  await p.page.locator('#clear').click();
  assert.match(await countText(p), /^0 selected/);

  // filters: by index range and by class
  await p.page.locator('#search input').fill('100-119');
  assert.match(await countText(p), /20 of 500 shown/);
  await p.page.evaluate(() => {
    const s = document.getElementById('class-filter') as HTMLElement & { value: string };
    s.value = '3';
    s.dispatchEvent(new Event('change'));
  });
  assert.match(await countText(p), /2 of 500 shown/);
  await p.page.locator('#search input').fill('');
  assert.match(await countText(p), /50 of 500 shown/);

  // buttons ask the host; its answer becomes the selection
  await p.page.locator('#k input').fill('7');
  await p.page.locator('#k input').dispatchEvent('change');
  await p.page.locator('#random').click();
  const rnd = await p.waitForPosted('requestRandom');
  assert.equal(rnd.k, 7);
  assert.equal(rnd.classFilter, 3);
  await p.send({ type: 'selection', requestId: rnd.requestId, source: 'random', indices: [3, 13, 23, 33, 43, 53, 63], description: 'random 7 of class Dress' });
  assert.match(await countText(p), /^7 selected/);
  await p.page.locator('#whole-class').click();
  const cls = await p.waitForPosted('requestClass');
  assert.equal(cls.class, 3);
  [x, y] = await cell(p, 0, 2);
  await p.page.mouse.click(x, y);
  await p.page.locator('#nearest').click();
  const nn = await p.waitForPosted('requestNearest');
  assert.equal(nn.anchor, 23);
  await p.page.locator('#principal').click();
  const pc = await p.waitForPosted('requestPrincipal');
  assert.deepEqual([pc.component, pc.k, pc.side], [0, 7, 'top']);

  // a saved set's points are outlined once the host sends its contents
  await p.page.locator('#saved-sets button').first().click();
  const show = await p.waitForPosted('showSet');
  assert.equal(show.name, 'first-ten');
  await p.send({ type: 'setContents', name: 'first-ten', indices: [3, 13, 23] });
  await frames(p.page);
  const outline = await countColour(p.page, 'canvas.grid-canvas', [0x89, 0xd1, 0x85], 30);
  assert.ok(outline.matching > 50, `saved set outlined (${outline.matching} green pixels)`);

  // an invalid message from the host is refused with a visible error, not acted on
  await p.send({ type: 'selection', requestId: 1, source: 'random', indices: [-4], description: '' });
  assert.match((await p.page.locator('#status').textContent()) ?? '', /invalid message 'selection'/);

  await p.screenshot('forget-set');
  assert.deepEqual(await p.cspViolations(), []);
  assert.deepEqual(p.pageErrors, []);

  // the state survives a reload: same selection, filters and shown set
  const state = await p.state();
  await p.close();
  const q = await openPanel(browser, 'forget-set', { state });
  await q.waitForPosted('ready');
  await serveThumbnails(q.page);
  await q.send(forgetSetSnapshot(500));
  assert.match(await countText(q), /^6 selected · 50 of 500 shown/);
  await frames(q.page);
  assert.equal(await q.page.locator('#class-filter').evaluate((el) => (el as HTMLElement & { value: string }).value), '3', 'the class control shows the restored filter');
  const again = await q.waitForPosted('showSet');
  assert.equal(again.name, 'first-ten');
  await q.close();
});

test('forget-set panel: 10,000 RGB points render, scroll and select without stalling', { skip: skip ?? false }, async (t) => {
  const p = await openPanel(browser, 'forget-set');
  await p.waitForPosted('ready');
  await serveThumbnails(p.page, 32, 3);
  const t0 = Date.now();
  await p.send(forgetSetSnapshot(10_000, [32, 32, 3]));
  await waitPainted(p);
  const rgb = await countColour(p.page, 'canvas.grid-canvas', [200, 120, 40], 12);
  assert.ok(rgb.matching > 500, `RGB thumbnails drawn in colour (${rgb.matching} px)`);
  const [x, y] = await cell(p, 0, 0);
  await p.page.mouse.click(x, y);
  await p.page.locator('canvas.grid-canvas').focus();
  await p.page.keyboard.press('End');
  await p.page.keyboard.down('Shift');
  await p.page.keyboard.press('ArrowLeft');
  await p.page.keyboard.up('Shift');
  await p.page.keyboard.press('Control+a');
  assert.match(await countText(p), /^10000 selected · 10000 of 10000 shown/);
  await p.page.locator('.grid-scroller').evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  await waitPainted(p);
  await p.page.locator('#set-name input').fill('all');
  await p.page.locator('#save').click();
  const saved = await p.waitForPosted('saveForgetSet');
  assert.equal((saved.indices as number[]).length, 10_000);
  // Not a timed assertion (a loaded machine makes it flaky): "without stalling" is asserted
  // structurally below — only the visible thumbnail pages are fetched — and the time is reported.
  t.diagnostic(`10,000 points: ${Date.now() - t0} ms from snapshot to saved set`);
  const requested = (await p.posted()).filter((m) => m.type === 'requestThumbnails').length;
  assert.ok(requested < 10, `only visible pages are fetched (${requested} of 10)`);
  assert.deepEqual(p.pageErrors, []);
  await p.screenshot('forget-set-rgb');
  await p.close();
});
