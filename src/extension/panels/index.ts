/**
 * The workbench's webview panels, host side. The lead registers them from activate():
 *
 *   context.subscriptions.push(...registerPanelSerializers(context.extensionUri, sources, log));
 *
 * and contributes, per panel, an `onWebviewPanel:<viewType>` activation event (PANEL_VIEW_TYPES).
 */
import * as vscode from 'vscode';
import { PANEL_VIEW_TYPES } from '../../protocol/webview/common';
import { consoleLogger, type PanelLogger } from './base';
import { ComparePanel, type ComparePanelData } from './compare-panel';
import { ForgetSetPanel, type ForgetSetPanelData } from './forget-set-panel';
import { LinearPanel, type LinearPanelData } from './linear-panel';
import { PerPointPanel, type PerPointPanelData } from './per-point-panel';
import { RunPanel, type RunPanelData } from './run-panel';

export * from './adapters';
export * from './base';
export * from './compare-panel';
export * from './forget-set-panel';
export * from './html';
export * from './linear-panel';
export * from './per-point-panel';
export * from './run-panel';

export interface PanelSources {
  forgetSet: ForgetSetPanelData;
  run: RunPanelData;
  compare: ComparePanelData;
  perPoint: PerPointPanelData;
  linear: LinearPanelData;
}

/**
 * Serializers that bring panels back after a window reload. The webview restores its own UI
 * state (getState) and asks for a fresh snapshot, so the serialized state is not needed here.
 */
export function registerPanelSerializers(extensionUri: vscode.Uri, sources: Partial<PanelSources>, log: PanelLogger = consoleLogger): vscode.Disposable[] {
  const out: vscode.Disposable[] = [];
  const reg = (viewType: string, revive: (panel: vscode.WebviewPanel) => void) =>
    out.push(
      vscode.window.registerWebviewPanelSerializer(viewType, {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
          revive(panel);
        },
      }),
    );
  const s = sources;
  if (s.forgetSet) reg(PANEL_VIEW_TYPES['forget-set'], (p) => ForgetSetPanel.slot.revive(p, extensionUri, s.forgetSet as ForgetSetPanelData, log));
  if (s.run) reg(PANEL_VIEW_TYPES.run, (p) => RunPanel.slot.revive(p, extensionUri, s.run as RunPanelData, log));
  if (s.compare) reg(PANEL_VIEW_TYPES.compare, (p) => ComparePanel.slot.revive(p, extensionUri, s.compare as ComparePanelData, log));
  if (s.perPoint) reg(PANEL_VIEW_TYPES['per-point'], (p) => PerPointPanel.slot.revive(p, extensionUri, s.perPoint as PerPointPanelData, log));
  if (s.linear) reg(PANEL_VIEW_TYPES.linear, (p) => LinearPanel.slot.revive(p, extensionUri, s.linear as LinearPanelData, log));
  return out;
}
