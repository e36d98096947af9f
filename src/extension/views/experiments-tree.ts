/** The Experiments view: each experiment file with its data, model, N, forget sets and methods. */
import * as vscode from 'vscode';
import { findExperiments, recipeOf, type ExperimentFile } from '../experiments';

type Node =
  | { kind: 'experiment'; file: ExperimentFile }
  | { kind: 'detail'; label: string; description: string; icon: string; resource?: vscode.Uri };

export class ExperimentsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  // Files are written whole (atomic-write.ts): a rename into place is a create (or change) event here.
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/*.{experiment,forget}.json');

  constructor() {
    for (const e of [this.watcher.onDidCreate, this.watcher.onDidChange, this.watcher.onDidDelete]) e(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      // A file that does not parse stays in the list, marked, with its error.
      const files = await findExperiments();
      void vscode.commands.executeCommand('setContext', 'unlearn.hasExperiment', files.some((f) => f.experiment));
      return files.map((file) => ({ kind: 'experiment', file }));
    }
    if (node.kind !== 'experiment' || !node.file.experiment) return [];
    const e = node.file.experiment;
    const r = recipeOf(e);
    const model = r.model.kind === 'mlp' ? `mlp ${r.model.hidden.join('-')}` : r.model.kind;
    const details: Node[] = [
      { kind: 'detail', label: 'dataset', description: `${r.dataset.spec ?? 'embedded'}${r.dataset.trainSize ? `, first ${r.dataset.trainSize} train / ${r.dataset.valSize ?? 'all'} val` : ''}`, icon: 'database' },
      { kind: 'detail', label: 'model', description: `${model}, ${r.config.optimizer ?? 'sgd'} lr ${r.config.lr}, ${r.config.epochs} epochs`, icon: 'circuit-board' },
      { kind: 'detail', label: 'N', description: `${r.n} models per ensemble${r.n < 80 ? ' (below 80: a high noise floor)' : ''}`, icon: 'layers' },
      { kind: 'detail', label: 'methods', description: e.methods.join(', '), icon: 'beaker' },
    ];
    for (const f of e.forgetSets) {
      const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? node.file.uri, f);
      details.push({ kind: 'detail', label: 'forget set', description: f, icon: 'trash', resource: uri });
    }
    if (e.forgetSets.length === 0) details.push({ kind: 'detail', label: 'forget set', description: 'none yet — Unlearn: Mark Forget Set', icon: 'warning' });
    return details;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'experiment') {
      const name = node.file.experiment?.name ?? vscode.workspace.asRelativePath(node.file.uri);
      const item = new vscode.TreeItem(name, node.file.experiment ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.description = node.file.experiment ? `preset ${node.file.experiment.preset}` : `cannot be read: ${withoutFileName(node.file.error ?? '', node.file.uri)}`;
      item.tooltip = node.file.error ?? vscode.workspace.asRelativePath(node.file.uri);
      item.iconPath = new vscode.ThemeIcon(node.file.experiment ? 'beaker' : 'error');
      item.resourceUri = node.file.uri;
      item.contextValue = node.file.experiment ? 'experiment' : 'brokenExperiment';
      item.command = { command: 'vscode.open', title: 'Open', arguments: [node.file.uri] };
      return item;
    }
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.description = node.description;
    item.iconPath = new vscode.ThemeIcon(node.icon);
    if (node.resource) item.command = { command: 'vscode.open', title: 'Open', arguments: [node.resource] };
    return item;
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}

/** An error about a file without the file's name in front (the item already shows it). */
function withoutFileName(error: string, uri: vscode.Uri): string {
  const prefix = `${vscode.workspace.asRelativePath(uri)}: `;
  return error.startsWith(prefix) ? error.slice(prefix.length) : error;
}
