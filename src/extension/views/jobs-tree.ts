/** The Jobs view: the engine's jobs, live, with progress; running and queued ones can be cancelled. */
import * as vscode from 'vscode';
import type { JobInfo, Progress } from '../../protocol';
import type { EngineHost } from '../engine/host';

export class JobsTree implements vscode.TreeDataProvider<JobInfo>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly jobs = new Map<string, JobInfo>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private lastFire = 0;

  constructor(private readonly host: EngineHost) {}

  /** Follows the job events of every engine client the host creates (a restart makes a new one). */
  attach(): void {
    this.subscriptions.push(this.host.onDidCreateClient((e) => {
      this.subscriptions.push(toDisposable(e.onJobState(({ job }) => this.update(job))), toDisposable(e.onProgress((p) => this.progress(p))));
    }));
  }

  private update(job: JobInfo): void {
    this.jobs.set(job.id, job);
    void vscode.commands.executeCommand('setContext', 'unlearn.jobRunning', [...this.jobs.values()].some((j) => j.state === 'running' || j.state === 'queued'));
    this.changed.fire();
  }

  private progress(p: Progress): void {
    const job = this.jobs.get(p.jobId);
    if (!job) return;
    job.progress = p;
    const now = Date.now();
    // The tree redraws at most twice a second, whatever the engine's rate.
    if (now - this.lastFire > 500) {
      this.lastFire = now;
      this.changed.fire();
    }
  }

  active(): JobInfo[] {
    return [...this.jobs.values()].filter((j) => j.state === 'running' || j.state === 'queued');
  }

  getChildren(job?: JobInfo): JobInfo[] {
    if (job) return [];
    return [...this.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
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
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

function toDisposable(d: { dispose(): void } | (() => void)): vscode.Disposable {
  return new vscode.Disposable(typeof d === 'function' ? d : () => d.dispose());
}
