import * as vscode from 'vscode';
import { PANEL_VIEW_TYPES } from '../../protocol/webview/common';
import {
  linearFromWebview,
  linearToWebview,
  type LinearForm,
  type LinearFromWebview,
  type LinearResultWire,
  type LinearToWebview,
} from '../../protocol/webview/linear';
import { PanelSlot, WorkbenchPanel, type PanelLogger } from './base';

export interface LinearPanelData {
  /** The last study and its settings, if any. */
  load(): Promise<{ form: LinearForm; result: LinearResultWire | null }>;
  run(form: LinearForm, opts: { signal: AbortSignal; onProgress: (methodId: string, step: number, steps: number) => void }): Promise<LinearResultWire>;
  /** Whether new computations may start (workspace trust). */
  trusted(): boolean;
}

export class LinearPanel extends WorkbenchPanel<LinearToWebview, LinearFromWebview> {
  static readonly slot = new PanelSlot<LinearPanelData, LinearPanel>(PANEL_VIEW_TYPES.linear, 'linear', (panel, uri, data, log) => new LinearPanel(panel, uri, data, log));
  private running: AbortController | undefined;
  private lastProgress = 0;

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly data: LinearPanelData, log: PanelLogger) {
    super(panel, extensionUri, 'linear', { toWebview: linearToWebview, fromWebview: linearFromWebview }, log);
  }

  /** The study keeps its own state; opening it again only brings it forward. */
  show(): void {}

  protected async onMessage(m: LinearFromWebview): Promise<void> {
    switch (m.type) {
      case 'ready': {
        const { form, result } = await this.data.load();
        await this.post({ type: 'snapshot', snapshot: { form, result, running: this.running !== undefined, trusted: this.data.trusted() } });
        break;
      }
      case 'run': {
        if (!this.data.trusted()) throw new Error('This workspace is restricted: trust it to run the linear study.');
        this.running?.abort();
        const ctl = new AbortController();
        this.running = ctl;
        try {
          const result = await this.data.run(m.form, {
            signal: ctl.signal,
            onProgress: (methodId, step, steps) => {
              const now = Date.now();
              if (now - this.lastProgress < 250) return;
              this.lastProgress = now;
              void this.post({ type: 'progress', methodId, step, steps });
            },
          });
          if (!ctl.signal.aborted) await this.post({ type: 'result', result });
        } catch (e) {
          if (ctl.signal.aborted) await this.post({ type: 'cancelled' });
          else throw e;
        } finally {
          if (this.running === ctl) this.running = undefined;
        }
        break;
      }
      case 'cancel':
        this.running?.abort();
        break;
    }
  }

  protected override onDispose(): void {
    this.running?.abort();
  }
}
