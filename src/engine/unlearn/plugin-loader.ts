/**
 * Loading plug-in unlearners (types/unlearner-plugin.d.ts): an ES module named by path whose
 * default export declares an id, budgets and `unlearn(ctx)`. Every fault — no file, a module
 * that throws on import, a wrong export shape, an id that is taken — is an UnlearnError naming
 * the file. No TensorFlow.js here: listing plug-ins costs no backend.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UnlearnerPlugin } from '../../../types/unlearner-plugin';
import { UnlearnError } from '../errors';
import { METHOD_IDS, METHOD_LABELS, PLUGIN_ID_PATTERN } from './settings';

export const PLUGIN_API_VERSION = 1;
export { PLUGIN_ID_PATTERN };
export const DEFAULT_PLUGIN_BUDGETS: readonly number[] = [1, 3, 5];
/** Ids a plug-in cannot take: the built-in methods and the reference rows of a comparison. */
export const RESERVED_METHOD_IDS: readonly string[] = [...METHOD_IDS, 'do-nothing', 'noise-floor'];

export interface LoadedPlugin {
  id: string;
  label: string;
  description: string;
  /** Absolute path of the module. */
  file: string;
  /** SHA-256 of the module's file: part of a comparison's key, so an edited plug-in is run again. */
  sha256: string;
  /** Epochs, strictly ascending: the plug-in's own, or the caller's (withBudgets). */
  budgets: number[];
  plugin: UnlearnerPlugin;
}

const JS_EXTENSIONS = ['.mjs', '.js', '.cjs'];
const TS_EXTENSIONS = ['.ts', '.mts', '.cts'];

/** Whether this Node strips TypeScript types itself (22.18+ / 23.6+ by default; 22.6+ with a flag). */
export function nodeStripsTypes(): boolean {
  const f = (process.features as unknown as Record<string, unknown>).typescript;
  return f === 'strip' || f === 'transform';
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function checkBudgets(budgets: unknown, what: string): number[] {
  if (!Array.isArray(budgets) || budgets.length === 0) throw new UnlearnError('bad-config', `${what}: budgets must be a non-empty array of epochs`);
  for (let i = 0; i < budgets.length; i++) {
    const b: unknown = budgets[i];
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 1 || b > 100_000) throw new UnlearnError('bad-config', `${what}: budgets[${i}] must be a whole number of epochs from 1 to 100000, got ${JSON.stringify(b)}`);
    if (i > 0 && b <= (budgets[i - 1] as number)) throw new UnlearnError('bad-config', `${what}: budgets must be strictly ascending, got [${budgets.join(', ')}]`);
  }
  return [...(budgets as number[])];
}

/** The default export's shape, checked field by field so the message names the one at fault. */
function checkShape(value: unknown, file: string): UnlearnerPlugin {
  const fault = (m: string) => new UnlearnError('bad-config', `plug-in unlearner ${file}: ${m} (see types/unlearner-plugin.d.ts)`);
  if (value === null || typeof value !== 'object') throw fault(`its default export must be an object { apiVersion: 1, id, unlearn(ctx) }, got ${value === null ? 'null' : typeof value}`);
  const v = value as Record<string, unknown>;
  if (v.apiVersion !== PLUGIN_API_VERSION) throw fault(`apiVersion must be ${PLUGIN_API_VERSION}, got ${JSON.stringify(v.apiVersion)}`);
  if (typeof v.id !== 'string' || !PLUGIN_ID_PATTERN.test(v.id)) throw fault(`id must be lower-case letters, digits and "-", starting with a letter (at most 64), got ${JSON.stringify(v.id)}`);
  if (RESERVED_METHOD_IDS.includes(v.id)) throw fault(`id "${v.id}" is a built-in method's; choose another`);
  if (typeof v.unlearn !== 'function') throw fault('unlearn(ctx) must be a function');
  if (v.label !== undefined && (typeof v.label !== 'string' || v.label.trim() === '')) throw fault('label must be a non-empty string when given');
  if (v.description !== undefined && typeof v.description !== 'string') throw fault('description must be a string when given');
  if (v.budgets !== undefined) checkBudgets(v.budgets, `plug-in unlearner ${file}`);
  return value as UnlearnerPlugin;
}

export async function loadPlugin(path: string): Promise<LoadedPlugin> {
  const file = resolve(path);
  let text: Buffer;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    text = readFileSync(file);
  } catch {
    throw new UnlearnError('not-found', `plug-in unlearner ${file}: no such file`);
  }
  const ext = extname(file).toLowerCase();
  if (TS_EXTENSIONS.includes(ext)) {
    if (!nodeStripsTypes()) {
      throw new UnlearnError('bad-config', `plug-in unlearner ${file}: a TypeScript module needs a Node that strips types (22.18+ or 23.6+); this engine runs Node ${process.version}. Compile it to .mjs (tsc) and name that file`);
    }
  } else if (!JS_EXTENSIONS.includes(ext)) {
    throw new UnlearnError('bad-config', `plug-in unlearner ${file}: expected a JavaScript module (.mjs, .js or .cjs), got "${ext || 'no extension'}"`);
  }
  const sha256 = createHash('sha256').update(text).digest('hex');
  let mod: Record<string, unknown>;
  try {
    // The hash in the URL makes an edited file a new module: import() caches by URL for the
    // process's life, and the engine outlives many edits.
    mod = (await import(`${pathToFileURL(file).href}?sha256=${sha256}`)) as Record<string, unknown>;
  } catch (e) {
    throw new UnlearnError('bad-file', `${file}: importing the plug-in unlearner threw: ${messageOf(e)}`);
  }
  const plugin = checkShape(mod.default, file);
  return {
    id: plugin.id,
    label: plugin.label ?? plugin.id,
    description: plugin.description ?? '',
    file,
    sha256,
    budgets: plugin.budgets ? [...plugin.budgets] : [...DEFAULT_PLUGIN_BUDGETS],
    plugin,
  };
}

/** Several plug-ins; two that claim one id are refused. */
export async function loadPlugins(paths: readonly string[]): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = [];
  for (const p of paths) {
    const l = await loadPlugin(p);
    const twin = out.find((o) => o.id === l.id);
    if (twin) throw new UnlearnError('bad-config', `plug-in unlearners ${twin.file} and ${l.file} both have the id "${l.id}"`);
    out.push(l);
  }
  return out;
}

/** The same plug-in run at other budgets (epochs). */
export function withBudgets(p: LoadedPlugin, budgets: readonly number[] | undefined): LoadedPlugin {
  return budgets ? { ...p, budgets: checkBudgets([...new Set(budgets)].sort((a, b) => a - b), `budgets of ${p.id}`) } : p;
}

/**
 * Splits a method list into built-in ids and loaded plug-ins, in the order given; an id that is
 * neither is refused naming both kinds.
 */
export function splitMethods(ids: readonly string[], plugins: readonly LoadedPlugin[]): { builtins: Array<(typeof METHOD_IDS)[number]>; plugins: LoadedPlugin[] } {
  const builtins: Array<(typeof METHOD_IDS)[number]> = [];
  const chosen: LoadedPlugin[] = [];
  for (const id of ids) {
    if ((METHOD_IDS as readonly string[]).includes(id)) builtins.push(id as (typeof METHOD_IDS)[number]);
    else {
      const p = plugins.find((x) => x.id === id);
      if (!p) {
        const known = METHOD_IDS.filter((m) => m !== 'dmm-trak').join(', ');
        const extra = plugins.length ? `; plug-ins: ${plugins.map((x) => x.id).join(', ')}` : '; a plug-in method needs its module (--plugin)';
        throw new UnlearnError('bad-config', `unknown method "${id}" (known: ${known}${extra})`);
      }
      chosen.push(p);
    }
  }
  return { builtins: [...new Set(builtins)], plugins: [...new Set(chosen)] };
}

export interface UnlearnerListing {
  id: string;
  label: string;
  kind: 'built-in' | 'plugin';
  description: string;
  file: string | null;
  budgets: number[] | null;
}

/** Every method a comparison can run: the built-ins (TRAK's DMM is not available yet), then the plug-ins. */
export function listUnlearners(plugins: readonly LoadedPlugin[]): UnlearnerListing[] {
  return [
    ...METHOD_IDS.filter((m) => m !== 'dmm-trak').map((id) => ({ id, label: METHOD_LABELS[id], kind: 'built-in' as const, description: '', file: null, budgets: null })),
    ...plugins.map((p) => ({ id: p.id, label: p.label, kind: 'plugin' as const, description: p.description, file: p.file, budgets: [...p.budgets] })),
  ];
}
