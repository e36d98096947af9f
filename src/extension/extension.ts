/**
 * The extension host entry. It never runs TensorFlow.js: every computation goes to the engine
 * child process, which starts on first use (see engine/host.ts).
 */
import * as vscode from 'vscode';
import { PANEL_VIEW_TYPES } from '../protocol/webview/common';
import { pickExperiment, registerCommands } from './commands';
import { compareSource, forgetSetSource, linearSource, perPointSource, runSource } from './panel-sources';
import { recipeOf, workspaceRoot } from './experiments';
import { pluginsSetting } from './config';
import { resolvePluginPaths } from './plugin-paths';
import type { JobResult } from '../protocol';
import { ComparePanel, ForgetSetPanel, LinearPanel, PerPointPanel, RunPanel, registerPanelSerializers } from './panels';
import { EngineHost } from './engine/host';
import { runJobWithProgress, trusted } from './jobs';
import { DatasetsTree } from './views/datasets-tree';
import { ExperimentsTree } from './views/experiments-tree';
import { JobsTree } from './views/jobs-tree';
import { JobStore } from './job-store';

let host: EngineHost | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('Unlearn Engine', { log: true });
  host = new EngineHost(context, channel);
  const h = host;
  context.subscriptions.push(
    channel,
    vscode.commands.registerCommand('unlearn.showEngineLog', () => channel.show(true)),
    vscode.commands.registerCommand('unlearn.restartEngine', async () => {
      try {
        await h.restart();
      } catch (e) {
        await h.showError(e);
      }
    }),
    vscode.commands.registerCommand('unlearn.showBackend', () => h.showBackend()),
    vscode.commands.registerCommand('unlearn.trainModel', () => trainModel(h)),
  );
  const experiments = new ExperimentsTree();
  const jobs = new JobStore(h);
  const jobsTree = new JobsTree(jobs);
  const datasets = new DatasetsTree(h);
  context.subscriptions.push(
    experiments,
    jobs,
    jobsTree,
    vscode.window.registerTreeDataProvider('unlearn.experiments', experiments),
    vscode.window.registerTreeDataProvider('unlearn.jobs', jobsTree),
    vscode.window.registerTreeDataProvider('unlearn.datasets', datasets),
    ...registerCommands(h, experiments, jobs),
  );
  const panelLog = { warn: (m: string) => channel.warn(m), error: (m: string) => channel.error(m) };
  const run = runSource(h, jobs);
  const linear = linearSource(h);
  const forgetSetFor = async (arg?: unknown) => {
    const p = await pickExperiment(arg);
    return p ? forgetSetSource(h, p.file.uri, p.file.experiment, () => experiments.refresh()) : undefined;
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('unlearn.markForgetSet', async (arg?: unknown) => {
      const data = await forgetSetFor(arg);
      if (data) ForgetSetPanel.slot.createOrShow(context.extensionUri, data, panelLog);
    }),
    vscode.commands.registerCommand('unlearn.openResults', async (arg?: unknown) => {
      const r = arg as JobResult<'compare'> | undefined;
      if (!r || !Array.isArray(r.rows) || !r.doNothing) {
        // Compare answers from the store when this comparison was already run.
        await vscode.commands.executeCommand('unlearn.compareUnlearners', arg);
        return;
      }
      const store = h.storeRoot();
      const picked = await pickExperiment();
      if (!store || !picked) return;
      const dataset = recipeOf(picked.file.experiment).dataset;
      const perPoint = perPointSource(h, store, r, dataset);
      ComparePanel.slot.createOrShow(context.extensionUri, compareSource(r, async () => {
        PerPointPanel.slot.createOrShow(context.extensionUri, perPoint, panelLog);
      }), panelLog);
    }),
    vscode.commands.registerCommand('unlearn.showRuns', () => RunPanel.slot.createOrShow(context.extensionUri, run, panelLog)),
    vscode.commands.registerCommand('unlearn.runLinearStudy', () => LinearPanel.slot.createOrShow(context.extensionUri, linear, panelLog)),
    ...registerPanelSerializers(context.extensionUri, { run, linear }, panelLog),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPES['forget-set'], {
      async deserializeWebviewPanel(panel) {
        const data = await forgetSetFor();
        if (data) ForgetSetPanel.slot.revive(panel, context.extensionUri, data, panelLog);
        else panel.dispose();
      },
    }),
  );

  void vscode.commands.executeCommand('setContext', 'unlearn.trusted', vscode.workspace.isTrusted);
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void vscode.commands.executeCommand('setContext', 'unlearn.trusted', true)));
  const plugins = resolvePluginPaths(pluginsSetting(), workspaceRoot(), vscode.workspace.isTrusted);
  if (plugins.disabled) void vscode.window.showInformationMessage(`Unlearn: ${plugins.disabled}`);
}

export async function deactivate(): Promise<void> {
  const h = host;
  host = undefined;
  await h?.dispose();
}

/** A small model on the embedded data: the quickest way to see the engine work end to end. */
async function trainModel(h: EngineHost): Promise<void> {
  if (!trusted()) return;
  const store = h.storeRoot();
  if (!store) {
    void vscode.window.showWarningMessage('Unlearn: open a folder first; models are stored in its .unlearn folder.');
    return;
  }
  const r = await runJobWithProgress(h, 'training an MLP on the embedded Fashion-MNIST subset', 'train', {
    store,
    dataset: { trainSize: 1000, valSize: 1000 },
    model: { kind: 'mlp', hidden: [64] },
    config: { lr: 0.05, batchSize: 128, epochs: 10 },
    seeds: [0],
  });
  if (!r) return;
  const acc = (xs: Array<number | null>) => (xs[0] === null || xs[0] === undefined ? '—' : `${(xs[0] * 100).toFixed(1)}%`);
  const what = r.diverged ? 'diverged (lower the learning rate)' : `train accuracy ${acc(r.trainAccuracy)}, validation ${acc(r.valAccuracy)}`;
  void vscode.window.showInformationMessage(`Unlearn: ${r.cached ? 'reused the stored model' : 'trained'} on ${r.backend}: ${what}. Stored in ${r.dir}.`);
}
