/**
 * The extension's settings, read in one place with their defaults, so the rest of the host never
 * spells a setting name. Engine settings are machine-scoped in package.json: a workspace cannot
 * choose which executable the extension starts.
 */
import * as vscode from 'vscode';

export interface EngineSettings {
  /** A Node executable, or undefined for VS Code's own. */
  runtime: string | undefined;
  args: string[];
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
}

export function engineSettings(): EngineSettings {
  const c = vscode.workspace.getConfiguration('unlearn');
  const runtime = c.get<string>('engine.runtime', '').trim();
  const args = c.get<unknown>('engine.args', []);
  const backend = c.get<string>('backend', 'auto');
  return {
    runtime: runtime === '' ? undefined : runtime,
    args: Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [],
    backend: backend === 'tensorflow' || backend === 'wasm' || backend === 'cpu' ? backend : 'auto',
  };
}

/** Settings whose change needs a new engine process. */
export function affectsEngine(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('unlearn.engine') || e.affectsConfiguration('unlearn.backend');
}

export function storeDirSetting(): string {
  return vscode.workspace.getConfiguration('unlearn').get<string>('storeDir', '.unlearn').trim() || '.unlearn';
}

/** `unlearn.plugins`: plug-in unlearner modules, relative to the workspace (restricted: see plugin-paths.ts). */
export function pluginsSetting(): unknown {
  return vscode.workspace.getConfiguration('unlearn').get<unknown>('plugins', []);
}
