/**
 * What every panel shares on the host side: the webview options (scripts on, resources only from
 * dist/webview), the HTML with a fresh nonce, validation of every message in both directions,
 * and saving exports through a dialog.
 */
import * as vscode from 'vscode';
import type { z } from 'zod';
import { PANEL_TITLES, parseMessage, type ExportRequest, type PanelId } from '../../protocol/webview/common';
import { buildWebviewHtml, makeNonce } from './html';
import { writeFileAtomic } from '../atomic-write';
import { fileSystemFor } from '../workspace-files';

/** Where panel faults go; the lead wires it to the extension's log channel. */
export interface PanelLogger {
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger: PanelLogger = {
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  // No retainContextWhenHidden: a hidden panel is torn down and rebuilt from its saved state and
  // the host's snapshot, which costs less memory than keeping thousands of thumbnails alive.
  return { enableScripts: true, localResourceRoots: [webviewRoot(extensionUri)], enableFindWidget: true };
}

export function renderPanelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, panel: PanelId): string {
  const root = webviewRoot(extensionUri);
  const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(root, ...p)).toString();
  return buildWebviewHtml({
    panel,
    title: PANEL_TITLES[panel],
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: uri(`${panel}.js`),
    styleUris: [uri(`${panel}.css`)],
    codiconsUri: uri('codicons', 'codicon.css'),
  });
}

export abstract class WorkbenchPanel<ToW, FromW> implements vscode.Disposable {
  protected readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    readonly extensionUri: vscode.Uri,
    readonly id: PanelId,
    private readonly schemas: { toWebview: z.ZodType<ToW>; fromWebview: z.ZodType<FromW> },
    protected readonly log: PanelLogger,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = renderPanelHtml(panel.webview, extensionUri, id);
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw), null, this.disposables);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Posts a message after checking it against the panel's schema (a host bug must not reach the page). */
  async post(message: ToW): Promise<boolean> {
    return this.postUnchecked(message);
  }

  protected async postError(message: string): Promise<boolean> {
    return this.postUnchecked({ type: 'error', message: message.slice(0, 4000) });
  }

  private async postUnchecked(message: unknown): Promise<boolean> {
    if (this.disposed) return false;
    const r = parseMessage(this.schemas.toWebview, message);
    if (!r.ok) {
      this.log.error(`${this.id} panel: refusing to post ${r.error}`);
      return false;
    }
    return this.panel.webview.postMessage(r.value);
  }

  private async receive(raw: unknown): Promise<void> {
    const r = parseMessage(this.schemas.fromWebview, raw);
    if (!r.ok) {
      // Webview messages are untrusted input (DESIGN.md, Security): refuse and say why.
      this.log.warn(`${this.id} panel: ${r.error}`);
      await this.postError(r.error);
      return;
    }
    try {
      await this.onMessage(r.value);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.error(`${this.id} panel: ${msg}`);
      await this.postError(msg);
    }
  }

  protected abstract onMessage(message: FromW): Promise<void>;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  protected onDispose(): void {}
}

/** Opens a panel of this view type in the active column, or the beside column when asked. */
export function createWebviewPanel(viewType: string, panel: PanelId, extensionUri: vscode.Uri, column?: vscode.ViewColumn): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(viewType, PANEL_TITLES[panel], column ?? vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One, webviewOptions(extensionUri));
}

const EXPORT_FILTERS: Record<ExportRequest['format'], Record<string, string[]>> = {
  csv: { 'CSV': ['csv'] },
  svg: { 'SVG image': ['svg'] },
  png: { 'PNG image': ['png'] },
};

/** Saves what a webview produced, where the person chooses; null when they cancel. */
export async function saveExport(req: ExportRequest): Promise<string | null> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, req.fileName) : undefined,
    filters: EXPORT_FILTERS[req.format],
    saveLabel: 'Export',
  });
  if (!uri) return null;
  const bytes = req.format === 'png' ? req.bytes : new TextEncoder().encode(req.text);
  await writeFileAtomic(fileSystemFor(uri), uri, bytes);
  return uri.fsPath;
}

type PanelFactory<D, P> = (panel: vscode.WebviewPanel, extensionUri: vscode.Uri, data: D, log: PanelLogger) => P;

/**
 * One panel of a kind at a time: open it or bring the open one forward with new data, bring it
 * back after a window reload (serializer), and forget it once closed.
 */
export class PanelSlot<D, P extends WorkbenchPanel<unknown, unknown> & { show(data: D): void }> {
  private current: P | undefined;

  constructor(
    private readonly viewType: string,
    private readonly id: PanelId,
    private readonly make: PanelFactory<D, P>,
    private readonly column?: vscode.ViewColumn,
  ) {}

  get open(): P | undefined {
    return this.current;
  }

  createOrShow(extensionUri: vscode.Uri, data: D, log: PanelLogger = consoleLogger): P {
    if (this.current) {
      this.current.panel.reveal();
      this.current.show(data);
      return this.current;
    }
    return this.revive(createWebviewPanel(this.viewType, this.id, extensionUri, this.column), extensionUri, data, log);
  }

  revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, data: D, log: PanelLogger = consoleLogger): P {
    this.current?.dispose();
    const p = this.make(panel, extensionUri, data, log);
    this.current = p;
    panel.onDidDispose(() => {
      if (this.current === p) this.current = undefined;
    });
    return p;
  }
}
