/**
 * The engine's jobs as the host knows them, followed across engine restarts: the one map that
 * the Jobs view, the run panel and "Cancel Job" all read, instead of one copy each.
 */
import * as vscode from 'vscode';
import type { JobInfo, Progress } from '../protocol';
import type { EngineHost } from './engine/host';

export type JobEvent = { type: 'added'; job: JobInfo } | { type: 'state'; job: JobInfo } | { type: 'progress'; job: JobInfo; progress: Progress };

const isActive = (j: JobInfo) => j.state === 'running' || j.state === 'queued';

export class JobStore implements vscode.Disposable {
  private readonly jobs = new Map<string, JobInfo>();
  private readonly changed = new vscode.EventEmitter<JobEvent>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(host: EngineHost) {
    this.subscriptions.push(
      host.onDidCreateClient((client) => {
        const state = client.onJobState(({ job }) => this.update(job));
        const progress = client.onProgress((p) => this.progress(p));
        this.subscriptions.push(new vscode.Disposable(() => (state.dispose(), progress.dispose())));
      }),
    );
  }

  all(): JobInfo[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  active(): JobInfo[] {
    return this.all().filter(isActive);
  }

  private update(job: JobInfo): void {
    const known = this.jobs.has(job.id);
    this.jobs.set(job.id, job);
    void vscode.commands.executeCommand('setContext', 'unlearn.jobRunning', [...this.jobs.values()].some(isActive));
    this.changed.fire(known ? { type: 'state', job } : { type: 'added', job });
  }

  private progress(p: Progress): void {
    const job = this.jobs.get(p.jobId);
    if (!job) return;
    job.progress = p;
    this.changed.fire({ type: 'progress', job, progress: p });
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}
