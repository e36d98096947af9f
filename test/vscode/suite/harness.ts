/**
 * What the suite needs inside VS Code's extension host: a small sequential test runner (the
 * host loads one module and awaits its `run()`; node:test would run files in child processes
 * that have no `vscode`) and helpers for the workspace the runner opened.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'unlearning-workbench.unlearning-workbench';

export interface Case {
  name: string;
  /** Resolves with a reason when the case cannot apply in this VS Code (reported as skipped). */
  fn: () => Promise<void | { skipped: string }>;
}

/** Runs the cases in order, prints one line each, and rejects when any failed. */
export async function runCases(title: string, cases: Case[]): Promise<void> {
  let failed = 0;
  console.log(`# ${title}`);
  for (const c of cases) {
    const t0 = Date.now();
    try {
      const r = await c.fn();
      const ms = Date.now() - t0;
      console.log(r ? `- ${c.name}: skipped (${r.skipped})` : `✔ ${c.name} (${ms} ms)`);
    } catch (e) {
      failed++;
      console.log(`✖ ${c.name}\n  ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
  console.log(`# ${cases.length - failed} of ${cases.length} passed`);
  if (failed) throw new Error(`${failed} of ${cases.length} test(s) failed in the ${title} suite`);
}

export function workspaceDir(): string {
  const dir = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!dir) throw new Error('the runner opens a workspace folder; none is open');
  return dir;
}

export async function activated(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  await ext.activate();
  return ext;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, message: () => string, step?: () => PromiseLike<unknown>): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await step?.();
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(message());
}

/** Folders of a store section that are complete artifacts (a manifest) and ones still hidden (temporaries). */
export function storeEntries(section: string): { complete: string[]; temporary: string[] } {
  const dir = join(workspaceDir(), '.unlearn', section);
  if (!existsSync(dir)) return { complete: [], temporary: [] };
  const names = readdirSync(dir);
  return {
    complete: names.filter((n) => !n.startsWith('.') && existsSync(join(dir, n, 'manifest.json'))),
    temporary: names.filter((n) => n.startsWith('.') && n.includes('.tmp-')),
  };
}
