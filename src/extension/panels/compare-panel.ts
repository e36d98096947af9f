import * as vscode from 'vscode';
import { PANEL_VIEW_TYPES } from '../../protocol/webview/common';
import { compareFromWebview, compareToWebview, type CompareFromWebview, type CompareSnapshot, type CompareToWebview } from '../../protocol/webview/compare';
import { PanelSlot, saveExport, WorkbenchPanel, type PanelLogger } from './base';

/** The comparison to show (see adapters.ts for building it from the engine's CompareResult). */
export interface ComparePanelData {
  /** null: nothing compared yet; `message` says what to run. */
  load(): Promise<CompareSnapshot | null>;
  /** Opens the per-point view of one row, when the lead wires it. */
  openPerPoint?(rowId: string): Promise<void>;
}

export class ComparePanel extends WorkbenchPanel<CompareToWebview, CompareFromWebview> {
  static readonly slot = new PanelSlot<ComparePanelData, ComparePanel>(PANEL_VIEW_TYPES.compare, 'compare', (panel, uri, data, log) => new ComparePanel(panel, uri, data, log));

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private data: ComparePanelData, log: PanelLogger) {
    super(panel, extensionUri, 'compare', { toWebview: compareToWebview, fromWebview: compareFromWebview }, log);
  }

  /** Another comparison for the open panel. */
  show(data: ComparePanelData): void {
    this.data = data;
    void this.refresh();
  }

  /** Sends the current comparison again (after a new compare job finished). */
  async refresh(): Promise<void> {
    const snapshot = await this.data.load();
    await this.post(snapshot ? { type: 'snapshot', snapshot } : { type: 'snapshot', snapshot: null, message: 'No comparison yet: run “Unlearn: Compare Unlearners”.' });
  }

  protected async onMessage(m: CompareFromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        await this.refresh();
        break;
      case 'export':
        await this.post({ type: 'exported', path: await saveExport(m) });
        break;
      case 'openPerPoint':
        await this.data.openPerPoint?.(m.rowId);
        break;
    }
  }

}
