import * as vscode from 'vscode';
import { PANEL_VIEW_TYPES } from '../../protocol/webview/common';
import { compareFromWebview, compareToWebview, type CompareFromWebview, type CompareSnapshot, type CompareToWebview } from '../../protocol/webview/compare';
import { consoleLogger, createWebviewPanel, saveExport, WorkbenchPanel, type PanelLogger } from './base';

/** The comparison to show (see adapters.ts for building it from the engine's CompareResult). */
export interface ComparePanelData {
  /** null: nothing compared yet; `message` says what to run. */
  load(): Promise<CompareSnapshot | null>;
  /** Opens the per-point view of one row, when the lead wires it. */
  openPerPoint?(rowId: string): Promise<void>;
}

export class ComparePanel extends WorkbenchPanel<CompareToWebview, CompareFromWebview> {
  static readonly viewType = PANEL_VIEW_TYPES.compare;
  static current: ComparePanel | undefined;

  static createOrShow(extensionUri: vscode.Uri, data: ComparePanelData, log: PanelLogger = consoleLogger): ComparePanel {
    if (ComparePanel.current) {
      ComparePanel.current.data = data;
      ComparePanel.current.panel.reveal();
      void ComparePanel.current.refresh();
      return ComparePanel.current;
    }
    return ComparePanel.revive(createWebviewPanel(ComparePanel.viewType, 'compare', extensionUri), extensionUri, data, log);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, data: ComparePanelData, log: PanelLogger = consoleLogger): ComparePanel {
    ComparePanel.current?.dispose();
    ComparePanel.current = new ComparePanel(panel, extensionUri, data, log);
    return ComparePanel.current;
  }

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private data: ComparePanelData, log: PanelLogger) {
    super(panel, extensionUri, 'compare', { toWebview: compareToWebview, fromWebview: compareFromWebview }, log);
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

  protected override onDispose(): void {
    if (ComparePanel.current === this) ComparePanel.current = undefined;
  }
}
