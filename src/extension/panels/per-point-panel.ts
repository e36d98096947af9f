import * as vscode from 'vscode';
import { PANEL_VIEW_TYPES } from '../../protocol/webview/common';
import { perPointFromWebview, perPointToWebview, type PerPointFromWebview, type PerPointSnapshot, type PerPointToWebview, type PointDetail } from '../../protocol/webview/per-point';
import { PanelSlot, WorkbenchPanel, type PanelLogger } from './base';

export interface PerPointPanelData {
  load(): Promise<PerPointSnapshot | null>;
  /** One point's image, label, KLoM under every method and margins under the requested ones. */
  point(index: number, methodIds: string[]): Promise<PointDetail>;
}

export class PerPointPanel extends WorkbenchPanel<PerPointToWebview, PerPointFromWebview> {
  static readonly slot = new PanelSlot<PerPointPanelData, PerPointPanel>(PANEL_VIEW_TYPES['per-point'], 'per-point', (panel, uri, data, log) => new PerPointPanel(panel, uri, data, log));
  private points = 0;

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private data: PerPointPanelData, log: PanelLogger) {
    super(panel, extensionUri, 'per-point', { toWebview: perPointToWebview, fromWebview: perPointFromWebview }, log);
  }

  /** Another comparison's points for the open panel. */
  show(data: PerPointPanelData): void {
    this.data = data;
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const snapshot = await this.data.load();
    this.points = snapshot ? snapshot.nTrain + snapshot.nValidation : 0;
    await this.post(snapshot ? { type: 'snapshot', snapshot } : { type: 'snapshot', snapshot: null, message: 'No per-point KLoM yet: run a comparison first.' });
  }

  protected async onMessage(m: PerPointFromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        await this.refresh();
        break;
      case 'requestPoint':
        if (m.index >= this.points) throw new Error(`point ${m.index} is outside the scored points`);
        await this.post({ type: 'point', detail: await this.data.point(m.index, m.methods) });
        break;
    }
  }

}
