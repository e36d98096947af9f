/**
 * Experiment files in the workspace, and turning one into the engine's request fields
 * (dataset, model, training config, N, forget-set files as absolute paths).
 */
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { PRESETS } from '../engine/presets';
import type { ModelSpec } from '../engine/models/types';
import type { TrainConfigInput } from '../engine/train/config';
import { parseExperiment, type Experiment } from '../protocol/experiment';

export interface ExperimentFile {
  uri: vscode.Uri;
  experiment?: Experiment;
  /** Why it could not be read, when it could not. */
  error?: string;
}

export async function findExperiments(): Promise<ExperimentFile[]> {
  const uris = await vscode.workspace.findFiles('**/*.experiment.json', '**/node_modules/**', 200);
  uris.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  return Promise.all(
    uris.map(async (uri) => {
      try {
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        return { uri, experiment: parseExperiment(text, vscode.workspace.asRelativePath(uri)) };
      } catch (e) {
        return { uri, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}

export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function resolveInWorkspace(p: string): string {
  const root = workspaceRoot();
  return isAbsolute(p) || !root ? p : join(root, p);
}

/** The recipe an experiment stands for: its own values over its preset's. */
export function recipeOf(e: Experiment): {
  dataset: { spec?: string; trainSize?: number; valSize?: number };
  model: ModelSpec;
  config: TrainConfigInput;
  n: number;
} {
  const p = PRESETS[e.preset];
  const spec = e.dataset.spec ?? p.dataset.spec;
  return {
    dataset: {
      ...(spec !== undefined && { spec: spec === 'embedded' || spec === 'fashion-mnist' ? spec : resolveInWorkspace(spec) }),
      trainSize: e.dataset.trainSize ?? p.dataset.trainSize,
      valSize: e.dataset.valSize ?? p.dataset.valSize,
    },
    model: e.model ?? p.model,
    config: { ...p.train, ...e.train },
    n: e.n ?? p.n,
  };
}
