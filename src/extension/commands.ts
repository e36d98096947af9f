/**
 * The Unlearn commands. Each works on an experiment file (the one clicked in the side bar, the
 * only one, or one picked from a list) and runs its work in the engine as a job.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { METHOD_NAMES, type Experiment } from '../protocol/experiment';
import { writeJsonAtomic } from './atomic-write';
import { fileSystemFor } from './workspace-files';
import { pluginsSetting } from './config';
import type { EngineHost } from './engine/host';
import { findExperiments, recipeOf, resolveInWorkspace, workspaceRoot, type ExperimentFile } from './experiments';
import { runJobWithProgress, trusted } from './jobs';
import { missingPluginMethods, resolvePluginPaths } from './plugin-paths';
import type { ExperimentsTree } from './views/experiments-tree';
import type { JobStore } from './job-store';

interface Picked {
  file: ExperimentFile & { experiment: Experiment };
}

/** The experiment a command acts on, or undefined (with a message) when there is none. */
export async function pickExperiment(arg?: unknown): Promise<Picked | undefined> {
  const fromTree = (arg as { file?: ExperimentFile } | undefined)?.file;
  if (fromTree?.experiment) return { file: fromTree as Picked['file'] };
  const files = (await findExperiments()).filter((f): f is Picked['file'] => f.experiment !== undefined);
  if (files.length === 0) {
    const choice = await vscode.window.showInformationMessage('Unlearn: no experiment in this workspace yet.', 'New Experiment');
    if (choice) await vscode.commands.executeCommand('unlearn.newExperiment');
    return undefined;
  }
  if (files.length === 1) return { file: files[0] };
  const pick = await vscode.window.showQuickPick(
    files.map((f) => ({ label: f.experiment.name, description: vscode.workspace.asRelativePath(f.uri), f })),
    { title: 'Unlearn: which experiment?' },
  );
  return pick ? { file: pick.f } : undefined;
}

/** The experiment's first forget set as an absolute path, or a message. */
function forgetFile(e: Experiment): string | undefined {
  const f = e.forgetSets[0];
  if (!f) {
    void vscode.window.showWarningMessage(`Unlearn: experiment "${e.name}" has no forget set yet. Run "Unlearn: Mark Forget Set" first.`);
    return undefined;
  }
  return resolveInWorkspace(f);
}

export function registerCommands(host: EngineHost, experiments: ExperimentsTree, jobs: JobStore): vscode.Disposable[] {
  const store = () => host.storeRoot();
  const recipe = (e: Experiment) => {
    const r = recipeOf(e);
    const s = store();
    if (!s) throw new Error('open a folder first: results are stored in its .unlearn folder');
    return { store: s, dataset: r.dataset, model: r.model, config: r.config, n: r.n };
  };
  const guard = (f: (arg?: unknown) => Promise<void>) => async (arg?: unknown) => {
    try {
      await f(arg);
    } catch (e) {
      await host.showError(e);
    }
  };

  const newExperiment = async () => {
    const root = workspaceRoot();
    if (!root) {
      void vscode.window.showWarningMessage('Unlearn: open a folder first; the experiment file and its results live in it.');
      return;
    }
    const datasets = await host.engine.request('listDatasets', {});
    const ds = await vscode.window.showQuickPick(
      datasets.datasets.map((d) => ({ label: d.spec, description: `${d.trainSize} train / ${d.valSize} val, ${d.numClasses} classes`, detail: d.source })),
      { title: 'New experiment (1/4): dataset', placeHolder: 'the embedded Fashion-MNIST subset needs no download' },
    );
    if (!ds) return;
    const model = await vscode.window.showQuickPick(
      [
        { label: 'mlp', description: '784-64-10, the quick preset' },
        { label: 'logreg', description: 'multinomial logistic regression' },
        { label: 'cnn', description: 'conv16-conv32-pool-dense (slower)' },
      ],
      { title: 'New experiment (2/4): model' },
    );
    if (!model) return;
    const nText = await vscode.window.showInputBox({
      title: 'New experiment (3/4): models per ensemble (N)',
      value: '100',
      prompt: 'KLoM compares distributions over N models; they stabilise at N ≥ 80. A small N is a quick look with a high noise floor.',
      validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= 2 && Number(v) <= 10000 ? undefined : 'a whole number from 2 to 10000'),
    });
    if (!nText) return;
    const forget = await vscode.window.showQuickPick(
      [
        { label: 'random 100', description: '100 training points at random (seed 0)', choice: 'random' as const },
        { label: 'mark by hand', description: 'pick points in the image grid later', choice: 'manual' as const },
      ],
      { title: 'New experiment (4/4): forget set' },
    );
    if (!forget) return;
    const name = await vscode.window.showInputBox({ title: 'Experiment name', value: `experiment-${new Date().toISOString().slice(0, 10)}`, validateInput: (v) => (/^[\w.-]+$/.test(v) ? undefined : 'letters, digits, ".", "_" and "-" only') });
    if (!name) return;
    const modelSpec = model.label === 'mlp' ? { kind: 'mlp' as const, hidden: [64] } : model.label === 'cnn' ? { kind: 'cnn' as const, channels: [16, 32] as [number, number] } : { kind: 'logreg' as const };
    const experiment: Record<string, unknown> = {
      version: 1,
      name,
      preset: 'quick',
      dataset: ds.label === 'embedded' ? { trainSize: 1000, valSize: 1000 } : { spec: ds.label },
      model: modelSpec,
      n: Number(nText),
      forgetSets: [] as string[],
      methods: ['gd', 'ga', 'scrub', 'om', 'dmm'],
    };
    if (forget.choice === 'random') {
      await host.engine.request('createForgetSet', {
        dataset: experiment.dataset as { trainSize?: number; valSize?: number; spec?: string },
        name: `${name}-random-100`,
        generator: { kind: 'random', k: 100, seed: 0 },
        file: join(root, 'forget-sets', `${name}-random-100.forget.json`),
      });
      experiment.forgetSets = [`forget-sets/${name}-random-100.forget.json`];
    }
    const uri = vscode.Uri.file(join(root, `${name}.experiment.json`));
    await writeJsonAtomic(fileSystemFor(uri), uri, experiment);
    experiments.refresh();
    await vscode.window.showTextDocument(uri, { preview: false });
    void vscode.window.showInformationMessage(`Unlearn: created ${name}.experiment.json. Next: Train Originals.`);
  };

  const trainEnsemble = (roles: Array<'originals' | 'oracles' | 'oracles-floor'>) => async (arg?: unknown) => {
    if (!trusted()) return;
    const p = await pickExperiment(arg);
    if (!p) return;
    const e = p.file.experiment;
    const r = recipe(e);
    const file = roles[0] === 'originals' ? undefined : forgetFile(e);
    if (roles[0] !== 'originals' && !file) return;
    for (const role of roles) {
      const res = await runJobWithProgress(host, `${role} of ${e.name} (N = ${r.n})`, 'trainEnsemble', {
        store: r.store,
        dataset: r.dataset,
        model: r.model,
        config: r.config,
        role,
        n: r.n,
        ...(file && { forget: { file } }),
      });
      if (!res) return;
      const acc = res.trainAccuracy.filter((a): a is number => a !== null);
      const mean = acc.length ? acc.reduce((a, b) => a + b, 0) / acc.length : NaN;
      void vscode.window.showInformationMessage(`Unlearn: ${role} of ${e.name}: ${res.seeds.length} models on ${res.backend}${res.cached ? ' (already stored)' : ''}, mean train accuracy ${(100 * mean).toFixed(1)}%.`);
    }
    experiments.refresh();
  };

  /**
   * The methods to compare and the plug-in modules to load: the experiment's methods, or — when
   * `unlearn.plugins` names modules — a pick among the built-ins and those plug-ins.
   */
  const methodsFor = async (e: Experiment): Promise<{ methods: string[]; plugins: string[] } | undefined> => {
    const found = resolvePluginPaths(pluginsSetting(), workspaceRoot(), vscode.workspace.isTrusted);
    if (found.problems.length) void vscode.window.showWarningMessage(`Unlearn: some entries of the "unlearn.plugins" setting are not loaded: ${found.problems.join('; ')}.`);
    if (found.paths.length === 0) {
      const missing = missingPluginMethods(e.methods, METHOD_NAMES, []);
      if (missing.length) {
        const why = found.disabled ?? 'no module in the "unlearn.plugins" setting provides them';
        void vscode.window.showErrorMessage(`Unlearn: experiment "${e.name}" names ${missing.join(', ')}, not built-in methods: ${why}.`);
        return undefined;
      }
      return { methods: e.methods, plugins: [] };
    }
    const list = await host.engine.request('listUnlearners', { plugins: found.paths });
    const missing = missingPluginMethods(e.methods, METHOD_NAMES, list.methods.map((m) => m.id));
    if (missing.length) void vscode.window.showWarningMessage(`Unlearn: experiment "${e.name}" names ${missing.join(', ')}, which no module in "unlearn.plugins" provides; they are left out.`);
    const picked = await vscode.window.showQuickPick(
      list.methods.map((m) => ({ label: m.label, description: m.kind === 'plugin' ? `plug-in ${m.id}` : m.id, detail: m.kind === 'plugin' ? `${vscode.workspace.asRelativePath(m.file ?? '')}${m.description ? ` — ${m.description}` : ''}` : undefined, picked: e.methods.includes(m.id), id: m.id })),
      { canPickMany: true, title: `Unlearn: methods to compare on ${e.name}`, placeHolder: 'built-in methods and the plug-in unlearners of the "unlearn.plugins" setting' },
    );
    if (!picked || picked.length === 0) return undefined;
    return { methods: picked.map((x) => x.id), plugins: found.paths };
  };

  const compare = async (arg?: unknown) => {
    if (!trusted()) return;
    const p = await pickExperiment(arg);
    if (!p) return;
    const e = p.file.experiment;
    const file = forgetFile(e);
    if (!file) return;
    const chosen = await methodsFor(e);
    if (!chosen) return;
    const r = recipe(e);
    const res = await runJobWithProgress(host, `compare unlearners on ${e.name}`, 'compare', {
      store: r.store,
      dataset: r.dataset,
      model: r.model,
      config: r.config,
      n: r.n,
      forget: { file },
      methods: chosen.methods,
      ...(chosen.plugins.length > 0 && { plugins: chosen.plugins }),
      ...(e.datamodels && { datamodels: e.datamodels }),
      preset: e.preset,
    });
    if (res) {
      await vscode.commands.executeCommand('unlearn.openResults', res);
    }
  };

  const estimateDatamodels = async (arg?: unknown) => {
    if (!trusted()) return;
    const p = await pickExperiment(arg);
    if (!p) return;
    const e = p.file.experiment;
    const r = recipe(e);
    const models = e.datamodels?.models ?? r.dataset.trainSize ?? 1000;
    const file = e.forgetSets[0] ? resolveInWorkspace(e.forgetSets[0]) : undefined;
    const res = await runJobWithProgress(host, `datamodels of ${e.name} (M = ${models})`, 'estimateDatamodels', {
      store: r.store,
      dataset: r.dataset,
      model: r.model,
      config: r.config,
      models,
      ...(e.datamodels?.estimator && { estimator: e.datamodels.estimator }),
      ...(file && { forget: { file } }),
    });
    if (!res) return;
    const f = (x: number | null) => (x === null ? '—' : x.toFixed(3));
    void vscode.window.showInformationMessage(
      `Unlearn: ${res.estimator} datamodels of ${e.name}${res.cached ? ' (already stored)' : ''}: M = ${res.m}, LDS ${f(res.lds)} (forget set ${f(res.ldsForget)}). ${res.lds !== null && res.lds < 0.3 ? 'Weak datamodels: DM-Direct and DMM will look like "do nothing"; raise M.' : ''}`,
    );
  };

  const cancelJob = async () => {
    const active = jobs.active();
    if (active.length === 0) {
      void vscode.window.showInformationMessage('Unlearn: no job is running or queued.');
      return;
    }
    const pick = active.length === 1 ? { job: active[0] } : await vscode.window.showQuickPick(active.map((job) => ({ label: job.label, description: job.state, job })), { title: 'Cancel which job?' });
    if (!pick) return;
    await host.engine.request('cancel', { jobId: pick.job.id });
  };

  return [
    vscode.commands.registerCommand('unlearn.newExperiment', guard(newExperiment)),
    vscode.commands.registerCommand('unlearn.trainOriginals', guard(trainEnsemble(['originals']))),
    vscode.commands.registerCommand('unlearn.trainOracles', guard(trainEnsemble(['oracles', 'oracles-floor']))),
    vscode.commands.registerCommand('unlearn.compareUnlearners', guard(compare)),
    // Running the unlearners is the comparison: each method at its budgets, scored against the oracles.
    vscode.commands.registerCommand('unlearn.runUnlearners', guard(compare)),
    vscode.commands.registerCommand('unlearn.estimateDatamodels', guard(estimateDatamodels)),
    vscode.commands.registerCommand('unlearn.cancelJob', guard(cancelJob)),
    vscode.commands.registerCommand('unlearn.cancelJobItem', guard(async (job?: unknown) => {
      const id = (job as { id?: string } | undefined)?.id;
      if (id) await host.engine.request('cancel', { jobId: id });
    })),
    vscode.commands.registerCommand('unlearn.refresh', () => experiments.refresh()),
  ];
}
