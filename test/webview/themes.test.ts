// Every panel in a light and a high-contrast theme: loaded with the theme's body class and
// --vscode-* variables (as VS Code sets them), each must take every colour it shows from those
// variables — the page's own elements and the text and series on its canvases — and, in high
// contrast, show a visible focus outline in the theme's focus colour.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { PanelId } from '../../src/protocol/webview/common';
import { countColour, frames, launch, openPanel, skipReason, THEMES, type PanelPage, type ThemeKind } from './harness';
import { COMPARE_SNAPSHOT, forgetSetSnapshot, LINEAR_FORM, LINEAR_RESULT, PER_POINT_SNAPSHOT, runJob, serveThumbnails } from './fixtures';

const skip = skipReason();
let browser: Browser;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Representative content per panel, and the canvases that draw charts (with axes and series). */
const PANELS: Record<PanelId, { load(p: PanelPage): Promise<void>; charts: Array<{ selector: string; seriesAlpha?: number }> }> = {
  'forget-set': {
    async load(p) {
      await serveThumbnails(p.page);
      await p.send(forgetSetSnapshot(200));
      await waitUntil(p.page, () => (window as unknown as { __grid: { paintedCells: number } }).__grid.paintedCells > 0);
    },
    charts: [],
  },
  run: {
    load: (p) => p.send({ type: 'snapshot', snapshot: { jobs: [runJob('a', 'running'), runJob('b', 'done', { fraction: 1, modelsDone: 100 })], trusted: true } }),
    charts: [{ selector: 'section.job[data-job="a"] .uplot canvas' }],
  },
  compare: {
    load: (p) => p.send({ type: 'snapshot', snapshot: COMPARE_SNAPSHOT }),
    charts: [{ selector: '#figure' }],
  },
  'per-point': {
    load: (p) => p.send({ type: 'snapshot', snapshot: PER_POINT_SNAPSHOT }),
    // Histogram bars are drawn at 85 % opacity over the background.
    charts: [{ selector: '#hist-forget', seriesAlpha: 0.85 }],
  },
  linear: {
    load: (p) => p.send({ type: 'snapshot', snapshot: { form: LINEAR_FORM, result: LINEAR_RESULT, running: false, trusted: true } }),
    charts: [{ selector: '.uplot canvas' }],
  },
};

async function waitUntil(page: Page, check: () => boolean): Promise<void> {
  await page.waitForFunction(check, undefined, { timeout: 10_000 });
}

function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A theme colour (#rrggbb or rgba()), drawn at an opacity, as it shows over the theme's background. */
function shown(color: string, background: string, opacity = 1): [number, number, number] {
  const m = /rgba\(([^)]+)\)/.exec(color);
  const [r, g, b, a] = m ? m[1].split(',').map((x) => Number(x.trim())) : [...hexRgb(color), 1];
  const bg = hexRgb(background);
  return [r, g, b].map((c, i) => Math.round(a * opacity * c + (1 - a * opacity) * bg[i])) as [number, number, number];
}

/** The theme's own values of --vscode-* variables. */
function themeValues(kind: ThemeKind): Record<string, string> {
  return Object.fromEntries([...THEMES[kind].css.matchAll(/(--vscode-[\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
}

/**
 * Colours shown by the page's own elements (text, backgrounds, visible borders, SVG fills and
 * strokes) that are none of the theme's colours: hard-coded colours and fallbacks taken for a
 * variable the theme does not set.
 */
async function offThemeColours(page: Page, values: string[]): Promise<string[]> {
  return page.evaluate((values) => {
    const probe = document.createElement('span');
    document.body.append(probe);
    const norm = (c: string) => {
      probe.style.color = '';
      probe.style.color = c;
      return getComputedStyle(probe).color;
    };
    const allowed = new Set(values.map(norm).concat('rgba(0, 0, 0, 0)'));
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
    const out = new Set<string>();
    for (const el of Array.from(document.querySelectorAll('body, body *'))) {
      if (el === probe || el.getClientRects().length === 0) continue;
      const s = getComputedStyle(el);
      if (s.visibility === 'hidden') continue;
      const seen: Array<[string, string]> = [['background-color', s.backgroundColor]];
      const ownText = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
      if (ownText) seen.push(['color', s.color]);
      for (const side of ['top', 'right', 'bottom', 'left']) {
        if (s.getPropertyValue(`border-${side}-style`) !== 'none' && Number.parseFloat(s.getPropertyValue(`border-${side}-width`)) > 0) seen.push([`border-${side}-color`, s.getPropertyValue(`border-${side}-color`)]);
      }
      if (el instanceof SVGElement) {
        for (const prop of ['fill', 'stroke']) {
          const v = s.getPropertyValue(prop);
          if (v && v !== 'none' && !v.startsWith('url(')) seen.push([prop, v]);
        }
      }
      for (const [prop, v] of seen) if (!allowed.has(norm(v))) out.add(`${describe(el)} ${prop}: ${v}`);
    }
    probe.remove();
    return [...out];
  }, values);
}

for (const kind of ['light', 'high-contrast'] as const) {
  const values = themeValues(kind);
  for (const [panel, spec] of Object.entries(PANELS) as Array<[PanelId, (typeof PANELS)[PanelId]]>) {
    test(`${panel} panel in a ${kind} theme: every colour comes from the theme`, { skip: skip ?? false }, async () => {
      const p = await openPanel(browser, panel, { theme: kind, width: 1200, height: 1000 });
      try {
        await p.waitForPosted('ready');
        await spec.load(p);
        await frames(p.page);
        await p.page.waitForTimeout(200);
        await frames(p.page);

        const body = await p.page.evaluate(() => ({ color: getComputedStyle(document.body).color, bg: getComputedStyle(document.body).backgroundColor }));
        const [r, g, b] = hexRgb(values['--vscode-editor-background']);
        assert.equal(body.bg, `rgb(${r}, ${g}, ${b})`, 'the page background is the editor background');
        assert.deepEqual(await offThemeColours(p.page, Object.values(values)), [], 'colours not from the theme');

        // Canvases cannot use CSS variables: their axis text and first series must still be the
        // theme's (a dark-theme fallback there would be near invisible on a light background).
        for (const { selector: chart, seriesAlpha } of spec.charts) {
          const bgValue = values['--vscode-editor-background'];
          const fg = await countColour(p.page, chart, shown(values['--vscode-editor-foreground'], bgValue), 30);
          const muted = await countColour(p.page, chart, shown(values['--vscode-descriptionForeground'], bgValue), 30);
          assert.ok(fg.matching + muted.matching > 10, `${chart}: axes and their text in the theme's foreground colours (${fg.matching} + ${muted.matching} px)`);
          const series = await countColour(p.page, chart, shown(values['--vscode-charts-blue'], bgValue, seriesAlpha), 30);
          assert.ok(series.matching > 10, `${chart}: the first series in the theme's charts.blue (${series.matching} px)`);
        }

        if (kind === 'high-contrast') {
          // Every stop of the Tab order shows a focus indicator in the theme's focus colour: an
          // outline or border on the element, or, for a web component (vscode-elements), on a
          // part inside it.
          const [fr, fg, fb] = hexRgb(values['--vscode-focusBorder']);
          const stops: Array<{ tag: string; ok: boolean }> = [];
          for (let i = 0; i < 60; i++) {
            await p.page.keyboard.press('Tab');
            const stop = await p.page.evaluate((focus) => {
              const top = document.activeElement;
              if (!top || top === document.body) return null;
              if (top.hasAttribute('data-tab-seen')) return 'again';
              top.setAttribute('data-tab-seen', '');
              const parts: Element[] = [top, ...Array.from(top.shadowRoot?.querySelectorAll('*') ?? [])];
              const ok = parts.some((el) => {
                const s = getComputedStyle(el);
                if (s.outlineStyle !== 'none' && Number.parseFloat(s.outlineWidth) >= 1 && s.outlineColor === focus) return true;
                return ['top', 'right', 'bottom', 'left'].some((side) => s.getPropertyValue(`border-${side}-style`) !== 'none' && Number.parseFloat(s.getPropertyValue(`border-${side}-width`)) >= 1 && s.getPropertyValue(`border-${side}-color`) === focus);
              });
              return { tag: top.tagName.toLowerCase() + (top.id ? `#${top.id}` : '') + (top.className && typeof top.className === 'string' ? `.${top.className.split(' ')[0]}` : ''), ok };
            }, `rgb(${fr}, ${fg}, ${fb})`);
            if (stop === 'again') break;
            if (stop) stops.push(stop);
          }
          assert.ok(stops.length > 0, 'Tab reaches the controls of the page');
          assert.deepEqual(stops.filter((s) => !s.ok).map((s) => s.tag), [], `Tab stops without a visible focus indicator (of ${stops.length})`);
        }
        await p.screenshot(`${panel}-${kind}`);
        assert.deepEqual(p.pageErrors, []);
      } finally {
        await p.close();
      }
    });
  }
}
