/** The Datasets view: what the engine finds without a path (the embedded subset, Debian's Fashion-MNIST). */
import * as vscode from 'vscode';
import type { EngineHost } from '../engine/host';

interface DatasetNode {
  spec: string;
  name: string;
  source: string;
  trainSize: number;
  valSize: number;
  inputShape: number[];
  numClasses: number;
}

export class DatasetsTree implements vscode.TreeDataProvider<DatasetNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly host: EngineHost) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: DatasetNode): Promise<DatasetNode[]> {
    if (node) return [];
    try {
      const r = await this.host.engine.request('listDatasets', {});
      return r.datasets;
    } catch (e) {
      void this.host.showError(e);
      return [];
    }
  }

  getTreeItem(d: DatasetNode): vscode.TreeItem {
    const item = new vscode.TreeItem(d.name, vscode.TreeItemCollapsibleState.None);
    item.description = `${d.trainSize} train / ${d.valSize} val, ${d.inputShape.join('×')}, ${d.numClasses} classes`;
    item.tooltip = d.source;
    item.iconPath = new vscode.ThemeIcon('database');
    return item;
  }
}
