/**
 * A real VS Code for tests: code-server on a free loopback port with a fresh user-data and
 * extensions folder, the packaged .vsix installed, a workspace folder opened, and Playwright
 * driving Debian's Chromium. Every server is stopped by its pid, also when a test fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';

export const ARTIFACTS = resolve('test-artifacts/e2e');

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with \`npm run test:e2e\``);
  return v;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

export interface Workbench {
  page: Page;
  workspace: string;
  /** The user-data folder: User/settings.json there is the user's settings, watched live. */
  userData: string;
  close(): Promise<void>;
}

export async function openWorkbench(name: string): Promise<Workbench> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const root = mkdtempSync(join(tmpdir(), `uw-e2e-${name}-`));
  const workspace = join(root, 'workspace');
  const userData = join(root, 'user-data');
  const extensions = join(root, 'extensions');
  mkdirSync(workspace, { recursive: true });
  const node = env('E2E_NODE24');
  const cs = env('E2E_CODE_SERVER');
  const envVars = { ...process.env, PATH: `${resolve(node, '..')}:${process.env.PATH}` };
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
  const inst = spawnSync(cs, [...common, '--install-extension', env('E2E_VSIX')], { env: envVars, encoding: 'utf8' });
  if (inst.status !== 0) throw new Error(`code-server --install-extension failed: ${inst.stderr || inst.stdout}`);

  const port = await freePort();
  const server: ChildProcess = spawn(
    cs,
    [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace],
    { env: envVars, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  server.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const stopServer = () => {
    if (server.pid && server.exitCode === null) {
      try {
        process.kill(server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  let browser: Browser | undefined;
  try {
    await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return r?.ok === true;
    }, 60_000, () => `code-server did not start:\n${log}`);
    browser = await chromium.launch({
      executablePath: env('E2E_CHROMIUM'),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const b = browser;
    return {
      page,
      workspace,
      userData,
      async close() {
        await b.close().catch(() => undefined);
        stopServer();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    stopServer();
    throw e;
  }
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, message: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(message());
}

/**
 * Runs a command from the palette by its title ("Unlearn: Show Engine Backend"). Right after
 * the workbench appears, extensions are still registering their commands, so it retries.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      // Keyboard focus may sit in a webview's iframe or an editor widget: bring it back to the
      // workbench itself (the status bar) before asking for the palette.
      await page.keyboard.press('Escape');
      await page.locator('.statusbar').click({ position: { x: 2, y: 2 } });
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(`>${title}`);
      const item = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await item.waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (attempt >= 4) throw e;
    }
  }
}

/** Waits for a notification whose text matches, and returns its text. */
export async function notification(page: Page, pattern: RegExp, timeoutMs = 120_000): Promise<string> {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: pattern }).first();
  await toast.waitFor({ timeout: timeoutMs });
  return (await toast.innerText()).trim();
}

/** The frame of a webview whose document has an element matching `selector`. */
export async function webviewFrame(page: Page, selector: string, timeoutMs = 60_000): Promise<Frame> {
  let found: Frame | undefined;
  await waitFor(
    async () => {
      for (const f of page.frames()) {
        if (await f.locator(selector).count().catch(() => 0)) {
          found = f;
          return true;
        }
      }
      return false;
    },
    timeoutMs,
    () => `no webview shows ${selector}`,
  );
  return found as Frame;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
