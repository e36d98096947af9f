/**
 * Running an engine job from a command: a cancellable notification with the job's phase,
 * percentage and ETA, mirrored in a status-bar item; a refusal in a restricted workspace.
 */
import * as vscode from 'vscode';
import type { JobName, JobParams, JobResult } from '../protocol';
import { EngineError } from './engine/client';
import type { EngineHost } from './engine/host';

let statusItem: vscode.StatusBarItem | undefined;

export function jobStatusItem(): vscode.StatusBarItem {
  statusItem ??= vscode.window.createStatusBarItem('unlearn.job', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'Unlearn job';
  statusItem.command = 'unlearn.cancelJob';
  return statusItem;
}

/** False (with an explanation) in a restricted workspace: training runs code on the data. */
export function trusted(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage('Unlearn: this workspace is restricted, so nothing is trained and no plug-in is loaded. Stored results can still be viewed. Trust the workspace to run experiments.');
  return false;
}

export async function runJobWithProgress<N extends JobName>(host: EngineHost, title: string, name: N, params: JobParams<N>): Promise<JobResult<N> | undefined> {
  const item = jobStatusItem();
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Unlearn: ${title}`, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    let shown = 0;
    item.text = `$(sync~spin) ${title}`;
    item.tooltip = 'Click to cancel';
    item.show();
    try {
      return await host.engine.runJob(name, params, {
        signal: abort.signal,
        onProgress: (p) => {
          const pct = Math.round(p.fraction * 100);
          const loss = p.loss === null ? '' : `, loss ${p.loss.toFixed(3)}`;
          const eta = p.etaSeconds === null ? '' : `, ${Math.ceil(p.etaSeconds)} s left`;
          progress.report({ increment: Math.max(0, pct - shown), message: `${p.phase} ${pct}%${loss}${eta}` });
          item.text = `$(sync~spin) ${title}: ${p.phase} ${pct}%`;
          shown = pct;
        },
      });
    } catch (e) {
      if (e instanceof EngineError && e.code === 'cancelled') {
        void vscode.window.showInformationMessage(`Unlearn: ${title} was cancelled; what finished is kept in the store.`);
        return undefined;
      }
      await host.showError(e);
      return undefined;
    } finally {
      item.hide();
    }
  });
}
