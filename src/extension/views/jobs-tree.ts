/** The Jobs view: the engine's jobs, live, with progress; running and queued ones can be cancelled. */
import * as vscode from 'vscode';
import type { JobInfo } from '../../protocol';
import type { JobStore } from '../job-store';

export class JobsTree implements vscode.TreeDataProvider<JobInfo>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private lastFire = 0;

  constructor(private readonly jobs: JobStore) {
    this.subscription = jobs.onDidChange((e) => {
      const now = Date.now();
      // Progress redraws the tree at most twice a second, whatever the engine's rate.
      if (e.type === 'progress' && now - this.lastFire <= 500) return;
      this.lastFire = now;
      this.changed.fire();
    });
  }

  getChildren(job?: JobInfo): JobInfo[] {
    return job ? [] : this.jobs.all();
  }

  getTreeItem(job: JobInfo): vscode.TreeItem {
    const item = new vscode.TreeItem(job.label, vscode.TreeItemCollapsibleState.None);
    const p = job.progress;
    const pct = p ? ` ${Math.round(p.fraction * 100)}%` : '';
    const eta = p?.etaSeconds ? `, ${Math.ceil(p.etaSeconds)} s left` : '';
    item.description = job.state === 'running' ? `${p?.phase ?? 'running'}${pct}${eta}` : job.state === 'queued' ? `queued (#${job.queuePosition ?? '?'})` : job.state;
    item.tooltip = job.error ? `${job.error.code}: ${job.error.message}` : `${job.method} ${job.id}`;
    const icons: Record<string, string> = { running: 'sync~spin', queued: 'clock', done: 'pass', failed: 'error', cancelled: 'circle-slash' };
    item.iconPath = new vscode.ThemeIcon(icons[job.state] ?? 'circle-outline');
    item.contextValue = job.state === 'running' || job.state === 'queued' ? 'activeJob' : 'finishedJob';
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
