/**
 * Which plug-in unlearner modules the host may hand the engine (DESIGN.md "Security"): none in a
 * restricted workspace — a plug-in is code from the workspace — and otherwise only files inside
 * the workspace folder, after symbolic links are followed. Pure (no `vscode`), so the decision is
 * unit-tested; commands.ts feeds it the `unlearn.plugins` setting and the trust state.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export interface PluginPaths {
  /** Absolute, real paths the engine may load. */
  paths: string[];
  /** Entries refused, each with its reason. */
  problems: string[];
  /** Why no plug-in is loaded at all (restricted workspace), when the setting names some. */
  disabled?: string;
}

export const RESTRICTED_PLUGINS_MESSAGE =
  'plug-in unlearners are off: this workspace is restricted, and a plug-in is code from the workspace. Trust the workspace to load the modules in the "unlearn.plugins" setting.';

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

export function resolvePluginPaths(setting: unknown, workspaceRoot: string | undefined, trusted: boolean): PluginPaths {
  const entries = Array.isArray(setting) ? setting : [];
  if (entries.length === 0) return { paths: [], problems: [] };
  if (!trusted) return { paths: [], problems: [], disabled: RESTRICTED_PLUGINS_MESSAGE };
  if (!workspaceRoot) return { paths: [], problems: ['plug-in unlearners load from the workspace folder: open a folder first'] };
  const root = existsSync(workspaceRoot) ? realpathSync(workspaceRoot) : resolve(workspaceRoot);
  const paths: string[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry.trim() === '') {
      problems.push(`${JSON.stringify(entry)}: expected a path relative to the workspace folder`);
      continue;
    }
    const abs = resolve(root, entry.trim());
    if (!inside(root, abs)) {
      problems.push(`${entry}: outside the workspace folder; plug-ins load only from inside it`);
      continue;
    }
    if (!existsSync(abs) || !statSync(abs).isFile()) {
      problems.push(`${entry}: no such file`);
      continue;
    }
    // A link inside the workspace may point anywhere: judge where it leads.
    const real = realpathSync(abs);
    if (!inside(root, real)) {
      problems.push(`${entry}: links to ${real}, outside the workspace folder`);
      continue;
    }
    if (!paths.includes(real)) paths.push(real);
  }
  return { paths, problems };
}

/** Method ids an experiment names that are neither built-in nor among the loaded plug-ins'. */
export function missingPluginMethods(methods: readonly string[], builtinIds: readonly string[], pluginIds: readonly string[]): string[] {
  return methods.filter((m) => !builtinIds.includes(m) && !pluginIds.includes(m));
}
