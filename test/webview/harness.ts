/**
 * Loads a panel's built bundle in headless Chromium the way VS Code would: the HTML comes from the
 * host's own builder (CSP and nonce included), and `acquireVsCodeApi` is a stub that records what
 * the panel posts, keeps its state, and lets a test post messages into the page.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PanelId } from '../../src/protocol/webview/common';
import { buildWebviewHtml } from '../../src/extension/panels/html';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = resolve(__dirname, '../..');
export const WEBVIEW_DIST = join(ROOT, 'dist', 'webview');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'webview');

/** The reason to skip the suite, or null to run it. */
export function skipReason(): string | null {
  return existsSync(CHROMIUM) ? null : `webview tests need Chromium at ${CHROMIUM} (apt-get install chromium); skipped`;
}

export function assertBuilt(panel: PanelId): void {
  const js = join(WEBVIEW_DIST, `${panel}.js`);
  if (!existsSync(js)) throw new Error(`${js} is missing: run \`npm run build\` before the webview tests`);
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Dark+ values of the variables the panels and vscode-elements read, as VS Code sets them on <html>. */
const DARK_THEME = `html {
  --vscode-font-family: system-ui, "Ubuntu", "Droid Sans", sans-serif;
  --vscode-font-size: 13px;
  --vscode-font-weight: normal;
  --vscode-foreground: #cccccc;
  --vscode-editor-background: #1e1e1e;
  --vscode-editor-foreground: #d4d4d4;
  --vscode-editor-selectionBackground: #264f78;
  --vscode-settings-dropdownBackground: #3c3c3c;
  --vscode-settings-dropdownBorder: #3c3c3c;
  --vscode-settings-dropdownForeground: #f0f0f0;
  --vscode-settings-dropdownListBorder: #454545;
  --vscode-settings-checkboxBackground: #3c3c3c;
  --vscode-settings-checkboxBorder: #6b6b6b;
  --vscode-settings-checkboxForeground: #f0f0f0;
  --vscode-settings-textInputBackground: #3c3c3c;
  --vscode-settings-textInputForeground: #cccccc;
  --vscode-descriptionForeground: #9d9d9d;
  --vscode-errorForeground: #f48771;
  --vscode-focusBorder: #007fd4;
  --vscode-button-background: #0e639c;
  --vscode-button-foreground: #ffffff;
  --vscode-button-hoverBackground: #1177bb;
  --vscode-button-secondaryBackground: #3a3d41;
  --vscode-button-secondaryForeground: #ffffff;
  --vscode-button-secondaryHoverBackground: #45494e;
  --vscode-input-background: #3c3c3c;
  --vscode-input-foreground: #cccccc;
  --vscode-input-placeholderForeground: #a6a6a6;
  --vscode-dropdown-background: #3c3c3c;
  --vscode-dropdown-border: #3c3c3c;
  --vscode-dropdown-foreground: #f0f0f0;
  --vscode-checkbox-background: #3c3c3c;
  --vscode-checkbox-border: #6b6b6b;
  --vscode-checkbox-foreground: #f0f0f0;
  --vscode-charts-foreground: #cccccc;
  --vscode-charts-lines: rgba(204, 204, 204, 0.25);
  --vscode-charts-red: #f14c4c;
  --vscode-charts-blue: #3794ff;
  --vscode-charts-yellow: #cca700;
  --vscode-charts-orange: #d18616;
  --vscode-charts-green: #89d185;
  --vscode-charts-purple: #b180d7;
  --vscode-panel-border: rgba(128, 128, 128, 0.35);
  --vscode-editorWidget-border: #454545;
  --vscode-editorGroupHeader-tabsBackground: #252526;
  --vscode-textLink-foreground: #3794ff;
  --vscode-textLink-activeForeground: #3794ff;
  --vscode-editorWarning-foreground: #cca700;
  --vscode-progressBar-background: #0e70c0;
  --vscode-list-hoverBackground: #2a2d2e;
  --vscode-list-activeSelectionBackground: #04395e;
  --vscode-list-activeSelectionForeground: #ffffff;
  --vscode-badge-background: #4d4d4d;
  --vscode-badge-foreground: #ffffff;
}
`;

/** Light Modern's values of the same variables. */
const LIGHT_THEME = `html {
  --vscode-font-family: system-ui, "Ubuntu", "Droid Sans", sans-serif;
  --vscode-font-size: 13px;
  --vscode-font-weight: normal;
  --vscode-foreground: #3b3b3b;
  --vscode-editor-background: #ffffff;
  --vscode-editor-foreground: #3b3b3b;
  --vscode-editor-selectionBackground: #add6ff;
  --vscode-settings-dropdownBackground: #ffffff;
  --vscode-settings-dropdownBorder: #cecece;
  --vscode-settings-dropdownForeground: #3b3b3b;
  --vscode-settings-dropdownListBorder: #c8c8c8;
  --vscode-settings-checkboxBackground: #f8f8f8;
  --vscode-settings-checkboxBorder: #cecece;
  --vscode-settings-checkboxForeground: #3b3b3b;
  --vscode-settings-textInputBackground: #ffffff;
  --vscode-settings-textInputForeground: #3b3b3b;
  --vscode-descriptionForeground: #717171;
  --vscode-errorForeground: #f85149;
  --vscode-focusBorder: #005fb8;
  --vscode-button-background: #005fb8;
  --vscode-button-foreground: #ffffff;
  --vscode-button-hoverBackground: #0258a8;
  --vscode-button-secondaryBackground: #e5e5e5;
  --vscode-button-secondaryForeground: #3b3b3b;
  --vscode-button-secondaryHoverBackground: #cccccc;
  --vscode-input-background: #ffffff;
  --vscode-input-foreground: #3b3b3b;
  --vscode-input-border: #cecece;
  --vscode-input-placeholderForeground: #767676;
  --vscode-dropdown-background: #ffffff;
  --vscode-dropdown-border: #cecece;
  --vscode-dropdown-foreground: #3b3b3b;
  --vscode-checkbox-background: #f8f8f8;
  --vscode-checkbox-border: #cecece;
  --vscode-checkbox-foreground: #3b3b3b;
  --vscode-charts-foreground: #616161;
  --vscode-charts-lines: rgba(97, 97, 97, 0.5);
  --vscode-charts-red: #e51400;
  --vscode-charts-blue: #1a85ff;
  --vscode-charts-yellow: #bf8803;
  --vscode-charts-orange: #d18616;
  --vscode-charts-green: #388a34;
  --vscode-charts-purple: #652d90;
  --vscode-terminal-ansiCyan: #0598bc;
  --vscode-terminal-ansiMagenta: #bc05bc;
  --vscode-panel-border: #e5e5e5;
  --vscode-editorWidget-border: #c8c8c8;
  --vscode-editorGroupHeader-tabsBackground: #f8f8f8;
  --vscode-textLink-foreground: #005fb8;
  --vscode-textLink-activeForeground: #005fb8;
  --vscode-editorWarning-foreground: #bf8803;
  --vscode-inputValidation-warningBackground: #f6f5d2;
  --vscode-progressBar-background: #005fb8;
  --vscode-list-hoverBackground: #f2f2f2;
  --vscode-list-activeSelectionBackground: #e8e8e8;
  --vscode-list-activeSelectionForeground: #000000;
  --vscode-badge-background: #cccccc;
  --vscode-badge-foreground: #3b3b3b;
}
`;

/**
 * High Contrast (dark)'s values: black and white, borders in contrastBorder, an orange focus
 * border; list hovers have no background (the theme outlines them instead).
 */
const HIGH_CONTRAST_THEME = `html {
  --vscode-font-family: system-ui, "Ubuntu", "Droid Sans", sans-serif;
  --vscode-font-size: 13px;
  --vscode-font-weight: normal;
  --vscode-foreground: #ffffff;
  --vscode-editor-background: #000000;
  --vscode-editor-foreground: #ffffff;
  --vscode-editor-selectionBackground: #ffffff;
  --vscode-settings-dropdownBackground: #000000;
  --vscode-settings-dropdownBorder: #6fc3df;
  --vscode-settings-dropdownForeground: #ffffff;
  --vscode-settings-dropdownListBorder: #6fc3df;
  --vscode-settings-checkboxBackground: #000000;
  --vscode-settings-checkboxBorder: #6fc3df;
  --vscode-settings-checkboxForeground: #ffffff;
  --vscode-settings-textInputBackground: #000000;
  --vscode-settings-textInputForeground: #ffffff;
  --vscode-descriptionForeground: rgba(255, 255, 255, 0.7);
  --vscode-errorForeground: #f48771;
  --vscode-focusBorder: #f38518;
  --vscode-contrastBorder: #6fc3df;
  --vscode-contrastActiveBorder: #f38518;
  --vscode-button-background: #000000;
  --vscode-button-foreground: #ffffff;
  --vscode-button-border: #6fc3df;
  --vscode-button-secondaryBackground: #000000;
  --vscode-button-secondaryForeground: #ffffff;
  --vscode-input-background: #000000;
  --vscode-input-foreground: #ffffff;
  --vscode-input-border: #6fc3df;
  --vscode-input-placeholderForeground: rgba(255, 255, 255, 0.7);
  --vscode-dropdown-background: #000000;
  --vscode-dropdown-border: #6fc3df;
  --vscode-dropdown-foreground: #ffffff;
  --vscode-checkbox-background: #000000;
  --vscode-checkbox-border: #6fc3df;
  --vscode-checkbox-foreground: #ffffff;
  --vscode-charts-foreground: #ffffff;
  --vscode-charts-lines: rgba(255, 255, 255, 0.5);
  --vscode-charts-red: #f14c4c;
  --vscode-charts-blue: #3794ff;
  --vscode-charts-yellow: #cca700;
  --vscode-charts-orange: #d18616;
  --vscode-charts-green: #89d185;
  --vscode-charts-purple: #b180d7;
  --vscode-terminal-ansiCyan: #29b8db;
  --vscode-terminal-ansiMagenta: #bc3fbc;
  --vscode-panel-border: #6fc3df;
  --vscode-editorWidget-border: #6fc3df;
  --vscode-textLink-foreground: #21a6ff;
  --vscode-textLink-activeForeground: #21a6ff;
  --vscode-editorWarning-foreground: #ffd370;
  --vscode-inputValidation-warningBackground: #000000;
  --vscode-progressBar-background: #6fc3df;
  --vscode-list-activeSelectionForeground: #ffffff;
  --vscode-badge-background: #000000;
  --vscode-badge-foreground: #ffffff;
}
`;

export type ThemeKind = 'dark' | 'light' | 'high-contrast';
export const THEMES: Record<ThemeKind, { bodyClass: string; colorScheme: 'dark' | 'light'; css: string }> = {
  dark: { bodyClass: 'vscode-dark', colorScheme: 'dark', css: DARK_THEME },
  light: { bodyClass: 'vscode-light', colorScheme: 'light', css: LIGHT_THEME },
  'high-contrast': { bodyClass: 'vscode-high-contrast', colorScheme: 'dark', css: HIGH_CONTRAST_THEME },
};

export type Msg = Record<string, unknown> & { type: string };

/** A typed array written so that it survives page.evaluate; the page turns it back. */
export function typed(kind: 'Uint8Array' | 'Float32Array' | 'Int32Array', values: ArrayLike<number>): unknown {
  return { __typed: kind, values: Array.from(values) };
}

export interface PanelPage {
  page: Page;
  /** Messages the panel posted, typed arrays summarised as { __typed, length }. */
  posted(): Promise<Msg[]>;
  waitForPosted(type: string, count?: number, timeoutMs?: number): Promise<Msg>;
  send(message: unknown): Promise<void>;
  state(): Promise<unknown>;
  cspViolations(): Promise<string[]>;
  pageErrors: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openPanel(browser: Browser, panel: PanelId, opts: { state?: unknown; width?: number; height?: number; theme?: ThemeKind } = {}): Promise<PanelPage> {
  assertBuilt(panel);
  mkdirSync(ARTIFACTS, { recursive: true });
  const theme = THEMES[opts.theme ?? 'dark'];
  const themePath = join(ARTIFACTS, `${opts.theme ?? 'dark'}-theme.css`);
  writeFileSync(themePath, theme.css);
  const url = (p: string) => pathToFileURL(p).href;
  const html = buildWebviewHtml({
    panel,
    title: panel,
    cspSource: 'file:',
    nonce: 'TestNonce0123456789abcdef',
    scriptUri: url(join(WEBVIEW_DIST, `${panel}.js`)),
    styleUris: [url(join(WEBVIEW_DIST, `${panel}.css`)), url(themePath)],
    codiconsUri: url(join(WEBVIEW_DIST, 'codicons', 'codicon.css')),
  });
  const htmlPath = join(ARTIFACTS, `${panel}.html`);
  writeFileSync(htmlPath, html);
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1100, height: opts.height ?? 800 }, colorScheme: theme.colorScheme });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  const init = (initial: unknown, bodyClass: string) => {
    type AnyRec = Record<string, unknown>;
    const w = window as unknown as AnyRec;
    const posted: unknown[] = [];
    const hooks: Array<(m: unknown) => void> = [];
    let state = initial;
    let acquired = false;
    w.__posted = posted;
    w.__hooks = hooks;
    w.__state = state;
    w.__csp = [] as string[];
    document.addEventListener('securitypolicyviolation', (e) => (w.__csp as string[]).push(`${e.violatedDirective} ${e.blockedURI}`));
    document.addEventListener('DOMContentLoaded', () => document.body.classList.add(bodyClass));
    w.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage(m: unknown) {
          posted.push(m);
          for (const h of hooks) h(m);
        },
        getState: () => state,
        setState(s: unknown) {
          state = s;
          w.__state = s;
        },
      };
    };
    const revive = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(revive);
      if (v && typeof v === 'object') {
        const o = v as AnyRec;
        if (typeof o.__typed === 'string') {
          const C = { Uint8Array, Float32Array, Int32Array }[o.__typed as 'Uint8Array'];
          return new C(o.values as number[]);
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]));
      }
      return v;
    };
    w.__send = (m: unknown) => window.postMessage(revive(m), '*');
    w.__summarise = (v: unknown): unknown => {
      const s = w.__summarise as (x: unknown) => unknown;
      if (ArrayBuffer.isView(v)) return { __typed: Object.prototype.toString.call(v).slice(8, -1), length: (v as Uint8Array).length };
      if (Array.isArray(v)) return v.map(s);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, s(x)]));
      return v;
    };
  };
  // tsx compiles with keepNames, which wraps functions in a `__name` helper that the page lacks;
  // a global no-op stands in for it in every script and evaluate of this page.
  await page.addInitScript({ content: `globalThis.__name = (f) => f;\n(${init.toString()})(${JSON.stringify(opts.state ?? null)}, ${JSON.stringify(theme.bodyClass)});` });
  await page.goto(pathToFileURL(htmlPath).href);
  const posted = () => page.evaluate(() => {
    const w = window as unknown as { __posted: unknown[]; __summarise: (v: unknown) => unknown };
    return w.__posted.map(w.__summarise) as Msg[];
  });
  return {
    page,
    posted,
    async waitForPosted(type, count = 1, timeoutMs = 5000) {
      const t0 = Date.now();
      while (true) {
        const ms = (await posted()).filter((m) => m.type === type);
        if (ms.length >= count) return ms[count - 1];
        if (Date.now() - t0 > timeoutMs) throw new Error(`no '${type}' message #${count} within ${timeoutMs} ms; posted: ${JSON.stringify((await posted()).map((m) => m.type))}; errors: ${pageErrors.join(' | ')}`);
        await page.waitForTimeout(20);
      }
    },
    async send(message) {
      await page.evaluate((m) => (window as unknown as { __send: (x: unknown) => void }).__send(m), message);
    },
    state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    pageErrors,
    async screenshot(name) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    close: () => context.close(),
  };
}

/** Waits for two animation frames, so that scheduled canvas drawing has happened. */
export async function frames(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

/** Counts pixels of a canvas close to an RGB colour (canvas pixel sanity checks). */
export async function countColour(page: Page, selector: string, rgb: [number, number, number], tolerance = 40): Promise<{ matching: number; total: number; distinct: number }> {
  return page.evaluate(
    ({ selector, rgb, tolerance }) => {
      const c = document.querySelector(selector) as HTMLCanvasElement | null;
      if (!c) throw new Error(`no canvas ${selector}`);
      const ctx = c.getContext('2d');
      if (!ctx) throw new Error('no 2d context');
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let matching = 0;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) + Math.abs(d[i + 2] - rgb[2]) <= tolerance) matching++;
        if (seen.size < 5000) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      }
      return { matching, total: d.length / 4, distinct: seen.size };
    },
    { selector, rgb, tolerance },
  );
}
