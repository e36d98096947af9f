import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { countColour, frames, launch, openPanel, skipReason, typed } from './harness';
import { FORGET, PER_POINT_SNAPSHOT, rng } from './fixtures';

const skip = skipReason();
let browser: Browser;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function clickBar(page: Page, split: string, method: 'a' | 'b', nth: number): Promise<void> {
  const bar = await page.evaluate(
    ({ split, method, nth }) => (window as unknown as { __bars: Record<string, Array<{ x0: number; x1: number; y0: number; y1: number; method: string }>> }).__bars[split].filter((b) => b.method === method)[nth],
    { split, method, nth },
  );
  assert.ok(bar, `bar ${nth} of ${method} in ${split}`);
  const box = await page.locator(`#hist-${split}`).boundingBox();
  assert.ok(box);
  await page.mouse.click(box.x + (bar.x0 + bar.x1) / 2, box.y + (bar.y0 + bar.y1) / 2);
}

test('per-point panel: histograms per split, bar → points, point → image and margins', { skip: skip ?? false }, async () => {
  const p = await openPanel(browser, 'per-point', { width: 1300, height: 1000 });
  await p.waitForPosted('ready');
  await p.send({ type: 'snapshot', snapshot: PER_POINT_SNAPSHOT });
  await frames(p.page);
  assert.match((await p.page.locator('#provenance').textContent()) ?? '', /N = 100 · backend wasm · seeds: originals 0\.\.99, oracles 1000\.\.1099 · preset quick/);
  for (const s of ['forget', 'retain', 'validation']) {
    const a = await countColour(p.page, `#hist-${s}`, [0x37, 0x94, 0xff], 60);
    const b = await countColour(p.page, `#hist-${s}`, [0xd1, 0x86, 0x16], 60);
    assert.ok(a.matching > 50 && b.matching > 50, `${s}: both methods drawn (${a.matching}, ${b.matching})`);
  }
  assert.match((await p.page.locator('#legend').textContent()) ?? '', /OM \(20 ep\).*GD \(20 ep\)/);

  // a bar lists its points, highest KLoM first
  await clickBar(p.page, 'forget', 'b', 0);
  const title = (await p.page.locator('#list-title').textContent()) ?? '';
  const m = /Forget · GD \(20 ep\) · KLoM .*: (\d+) points/.exec(title);
  assert.ok(m, title);
  assert.equal(await p.page.locator('#points li').count(), Number(m[1]));
  const first = await p.page.locator('#points button').first().getAttribute('data-point');
  assert.ok(FORGET.includes(Number(first)), 'a forget point');

  // keyboard: focus the validation histogram, move to a bar and list it
  await p.page.locator('#hist-validation').focus();
  await p.page.keyboard.press('ArrowRight');
  await p.page.keyboard.press('Enter');
  assert.match((await p.page.locator('#list-title').textContent()) ?? '', /^Validation · /);
  assert.ok((await p.page.locator('#points li').count()) > 0);
  const valPoint = await p.page.locator('#points button').first().textContent();
  assert.match(valPoint ?? '', /^val #\d+ · /);

  // a point: its image, label (as text), KLoM per method and the two margin distributions
  await clickBar(p.page, 'forget', 'a', 0);
  await p.page.locator('#points button').first().click();
  const req = await p.waitForPosted('requestPoint');
  assert.deepEqual(req.methods, ['om@20', 'gd@20']);
  const idx = req.index as number;
  const r = rng(idx);
  const img = Array.from({ length: 28 * 28 }, (_, k) => (Math.hypot((k % 28) - 14, Math.floor(k / 28) - 14) < 9 ? 220 : 20));
  await p.send({
    type: 'point',
    detail: {
      index: idx,
      split: 'forget',
      label: 2,
      image: { shape: [28, 28, 1], pixels: typed('Uint8Array', img) },
      klom: [{ methodId: 'om@20', value: 0.8 }, { methodId: 'gd@20', value: 3.1 }, { methodId: 'do-nothing', value: null }],
      margins: [
        { methodId: 'om@20', unlearned: typed('Float32Array', Array.from({ length: 100 }, () => r() * 4)), oracle: typed('Float32Array', Array.from({ length: 100 }, () => r() * 4 + 0.5)) },
        { methodId: 'gd@20', unlearned: typed('Float32Array', Array.from({ length: 100 }, () => 6 + r() * 3)), oracle: typed('Float32Array', Array.from({ length: 100 }, () => r() * 4 + 0.5)) },
      ],
    },
  });
  await frames(p.page);
  const head = (await p.page.locator('#detail h2').textContent()) ?? '';
  assert.ok(head.includes('<script>bad()</script>'), `label shown as text: ${head}`);
  assert.equal(await p.page.locator('script:not([src])').count(), 0);
  assert.deepEqual(await p.page.locator('.klom-table tbody td').allTextContents(), ['OM (20 ep)', '0.8', 'GD (20 ep)', '3.1', 'Do nothing', '–']);
  assert.equal(await p.page.locator('canvas.margin-hist').count(), 2);
  const bright = await countColour(p.page, 'canvas.point-image', [220, 220, 220], 10);
  assert.ok(bright.matching > 1000, `image drawn (${bright.matching} px)`);
  const oracleOutline = await countColour(p.page, 'canvas.margin-hist', [0x89, 0xd1, 0x85], 40);
  assert.ok(oracleOutline.matching > 20, 'oracle histogram drawn');

  await p.screenshot('per-point');
  assert.deepEqual(await p.cspViolations(), []);
  assert.deepEqual(p.pageErrors, []);

  // reload: methods, listed bar and point come back (the point is asked for again)
  const state = await p.state();
  await p.close();
  const q = await openPanel(browser, 'per-point', { state, width: 1300, height: 1000 });
  await q.waitForPosted('ready');
  await q.send({ type: 'snapshot', snapshot: PER_POINT_SNAPSHOT });
  assert.match((await q.page.locator('#list-title').textContent()) ?? '', /^Forget · OM \(20 ep\)/);
  const again = await q.waitForPosted('requestPoint');
  assert.equal(again.index, idx);
  await q.close();
});

test('per-point panel: 10,000 retain points histogram and list without stalling', { skip: skip ?? false }, async (t) => {
  const p = await openPanel(browser, 'per-point');
  await p.waitForPosted('ready');
  const ms = await p.page.evaluate(() => {
    const n = 10_100;
    const k = (seed: number) => {
      let s = seed;
      return Float32Array.from({ length: n + 500 }, () => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return -Math.log(1 - (s / 2 ** 32) * 0.999) * 0.5;
      });
    };
    const t0 = performance.now();
    window.postMessage(
      {
        type: 'snapshot',
        snapshot: {
          provenance: { n: 100, backend: 'wasm', seeds: 's', preset: 'quick' },
          nTrain: n,
          nValidation: 500,
          forget: Array.from({ length: 100 }, (_, i) => i),
          retain: Array.from({ length: 10_000 }, (_, i) => i + 100),
          classNames: ['a', 'b'],
          labels: Array.from({ length: n + 500 }, (_, i) => i % 2),
          methods: [
            { id: 'a', label: 'A', klom: k(1), diverged: false },
            { id: 'b', label: 'B', klom: k(2), diverged: false },
          ],
        },
      },
      '*',
    );
    return new Promise<number>((r) => setTimeout(() => requestAnimationFrame(() => r(performance.now() - t0)), 0));
  });
  t.diagnostic(`10,000 points drawn in ${ms.toFixed(0)} ms`);
  await clickBar(p.page, 'retain', 'a', 0);
  assert.match((await p.page.locator('#list-title').textContent()) ?? '', /first 500 shown/);
  assert.equal(await p.page.locator('#points li').count(), 500);
  assert.deepEqual(p.pageErrors, []);
  await p.close();
});
