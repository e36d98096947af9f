import * as vscode from 'vscode';
import { PANEL_VIEW_TYPES } from '../../protocol/webview/common';
import { runFromWebview, runToWebview, type RunFromWebview, type RunProgress, type RunSnapshot, type RunToWebview } from '../../protocol/webview/run';
import { PanelSlot, WorkbenchPanel, type PanelLogger } from './base';

export type RunEvent = Extract<RunToWebview, { type: 'jobAdded' | 'progress' | 'jobState' }>;

/** Jobs and their live events, from the engine client (wired by the lead). */
export interface RunPanelData {
  load(): Promise<RunSnapshot>;
  /** Subscribes to job events; the panel batches progress itself. */
  onEvent(listener: (e: RunEvent) => void): { dispose(): void };
  cancel(jobId: string): Promise<void>;
}

/** Progress reaches the webview at most this often per job (DESIGN.md: a few per second). */
const FLUSH_MS = 250;

export class RunPanel extends WorkbenchPanel<RunToWebview, RunFromWebview> {
  static readonly slot = new PanelSlot<RunPanelData, RunPanel>(PANEL_VIEW_TYPES.run, 'run', (panel, uri, data, log) => new RunPanel(panel, uri, data, log), vscode.ViewColumn.Beside);
  private subscription: { dispose(): void } | undefined;
  private pending = new Map<string, RunProgress>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ready = false;

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly data: RunPanelData, log: PanelLogger) {
    super(panel, extensionUri, 'run', { toWebview: runToWebview, fromWebview: runFromWebview }, log);
    this.subscription = data.onEvent((e) => this.onEvent(e));
  }
  /** The run panel follows every job already; opening it again only brings it forward. */
  show(): void {}

  private onEvent(e: RunEvent): void {
    // Until the page is ready (or while it reloads after being hidden) the next snapshot carries
    // everything, so deltas are dropped rather than queued.
    if (!this.ready) return;
    if (e.type !== 'progress') {
      this.flush();
      void this.post(e);
      return;
    }
    const p = e.progress;
    const prev = this.pending.get(p.jobId);
    this.pending.set(p.jobId, prev ? { ...p, points: [...prev.points, ...p.points] } : p);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const progress of this.pending.values()) void this.post({ type: 'progress', progress });
    this.pending.clear();
  }

  protected async onMessage(m: RunFromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = false;
        this.pending.clear();
        await this.post({ type: 'snapshot', snapshot: await this.data.load() });
        this.ready = true;
        break;
      case 'cancel':
        await this.data.cancel(m.jobId);
        break;
    }
  }

  protected override onDispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription?.dispose();
  }
}
