/**
 * The engine's job queue. TensorFlow.js keeps one backend per process and training saturates
 * it, so jobs run one at a time in submission order; the rest wait. A job is cancelled through
 * its AbortSignal, which every long engine function checks between steps.
 */
import { isUnlearnError } from '../errors';
import { log } from '../log';
import type { ErrorCodeName, JobInfo, JobStateName, Progress } from '../../protocol';
import { isErrorCode } from '../../protocol';
import { ProgressThrottle } from './progress';

/** What a running job may report; the queue adds the job id, fraction and ETA bookkeeping. */
export type ProgressUpdate = Omit<Progress, 'jobId' | 'etaSeconds'> & { etaSeconds?: number | null };

export interface JobContext {
  readonly id: string;
  readonly signal: AbortSignal;
  progress(p: ProgressUpdate): void;
  /** A message for the person watching this job (shown beside it, also logged). */
  note(level: 'info' | 'warn', message: string): void;
}

export interface JobSpec<R = unknown> {
  method: string;
  label: string;
  run(ctx: JobContext): Promise<R>;
}

export interface JobEvents {
  state(job: JobInfo, result?: unknown): void;
  progress(p: Progress): void;
  note(level: 'info' | 'warn', message: string, jobId: string): void;
}

interface Job {
  info: JobInfo;
  spec: JobSpec;
  abort: AbortController;
  result?: unknown;
  throttle: ProgressThrottle;
  startedMs?: number;
}

export interface JobQueueOptions {
  /** Progress notifications per job per second, at most. */
  progressPerSecond?: number;
  maxQueued?: number;
  /** Finished jobs kept for listJobs/jobResult. */
  keepFinished?: number;
  idPrefix?: string;
}

export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private running: Job | undefined;
  private counter = 0;
  private closed = false;
  private idle: Array<() => void> = [];
  private readonly opts: Required<JobQueueOptions>;

  constructor(
    private readonly events: JobEvents,
    opts: JobQueueOptions = {},
  ) {
    this.opts = { progressPerSecond: 4, maxQueued: 100, keepFinished: 200, idPrefix: 'job', ...opts };
  }

  submit(spec: JobSpec): JobInfo {
    if (this.closed) throw new UnlearnErrorLike('shutting-down', 'the engine is shutting down and accepts no new jobs');
    if (this.waiting.length >= this.opts.maxQueued) {
      throw new UnlearnErrorLike('queue-full', `${this.waiting.length} jobs are already waiting; cancel some or wait for them to finish`);
    }
    const id = `${this.opts.idPrefix}-${++this.counter}`;
    const job: Job = {
      info: {
        id,
        method: spec.method,
        label: spec.label,
        state: 'queued',
        createdAt: new Date().toISOString(),
        startedAt: null,
        finishedAt: null,
        queuePosition: null,
        progress: null,
        error: null,
      },
      spec,
      abort: new AbortController(),
      throttle: new ProgressThrottle(1000 / this.opts.progressPerSecond, (p) => this.events.progress(p)),
    };
    this.jobs.set(id, job);
    this.waiting.push(job);
    this.renumber();
    this.events.state(this.snapshot(job));
    // Started on a later turn so the caller's reply (the job id) always precedes its first event.
    setImmediate(() => this.pump());
    return this.snapshot(job);
  }

  get(id: string): { job: JobInfo; result?: unknown } {
    const job = this.jobs.get(id);
    if (!job) throw new UnlearnErrorLike('unknown-job', `no job "${id}" in this engine (job ids do not survive an engine restart)`);
    return job.info.state === 'done' ? { job: this.snapshot(job), result: job.result } : { job: this.snapshot(job) };
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => this.snapshot(j));
  }

  /** Cancels a queued job at once, or asks a running one to stop at its next step. */
  cancel(id: string): JobInfo {
    const job = this.jobs.get(id);
    if (!job) throw new UnlearnErrorLike('unknown-job', `no job "${id}" in this engine (job ids do not survive an engine restart)`);
    if (job.info.state === 'queued') {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      job.abort.abort();
      this.finish(job, 'cancelled', { code: 'cancelled', message: 'cancelled before it started' });
      this.renumber();
    } else if (job.info.state === 'running') {
      job.abort.abort();
    }
    return this.snapshot(job);
  }

  /** Refuses new jobs, cancels every job, and resolves once nothing runs. */
  async close(): Promise<string[]> {
    this.closed = true;
    const cancelled = [...this.waiting, ...(this.running ? [this.running] : [])].map((j) => j.info.id);
    for (const id of cancelled) this.cancel(id);
    if (this.running) await new Promise<void>((r) => this.idle.push(r));
    return cancelled;
  }

  private snapshot(job: Job): JobInfo {
    return { ...job.info, progress: job.info.progress ? { ...job.info.progress } : null };
  }

  private renumber(): void {
    this.waiting.forEach((j, i) => (j.info.queuePosition = i + 1));
  }

  private pump(): void {
    if (this.running || this.waiting.length === 0) return;
    const job = this.waiting.shift() as Job;
    this.renumber();
    this.running = job;
    job.info.state = 'running';
    job.info.queuePosition = null;
    job.info.startedAt = new Date().toISOString();
    job.startedMs = performance.now();
    this.events.state(this.snapshot(job));
    const ctx: JobContext = {
      id: job.info.id,
      signal: job.abort.signal,
      progress: (p) => this.onProgress(job, p),
      note: (level, message) => this.events.note(level, message, job.info.id),
    };
    let outcome: Promise<unknown>;
    try {
      outcome = job.spec.run(ctx);
    } catch (e) {
      outcome = Promise.reject(e);
    }
    outcome.then(
      (result) => {
        job.result = result;
        this.finish(job, 'done', null);
      },
      (e: unknown) => {
        const err = toErrorInfo(e);
        if (err.code === 'internal') log.error(`job ${job.info.id} (${job.spec.method}) failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        // A job that stopped because it was asked to counts as cancelled, whatever it threw.
        const cancelled = err.code === 'cancelled' || job.abort.signal.aborted;
        this.finish(job, cancelled ? 'cancelled' : 'failed', cancelled ? { code: 'cancelled', message: err.code === 'cancelled' ? err.message : `cancelled (${err.message})` } : err);
      },
    ).finally(() => {
      this.running = undefined;
      for (const r of this.idle.splice(0)) r();
      this.pump();
    });
  }

  private onProgress(job: Job, p: ProgressUpdate): void {
    if (job.info.state !== 'running') return;
    const elapsed = (performance.now() - (job.startedMs ?? performance.now())) / 1000;
    const eta = p.etaSeconds !== undefined ? p.etaSeconds : p.fraction > 0.01 ? (elapsed * (1 - p.fraction)) / p.fraction : null;
    const full: Progress = { ...p, jobId: job.info.id, etaSeconds: eta !== null && Number.isFinite(eta) ? eta : null, loss: p.loss !== null && Number.isFinite(p.loss) ? p.loss : null };
    job.info.progress = full;
    job.throttle.push(full);
  }

  private finish(job: Job, state: JobStateName, error: { code: ErrorCodeName; message: string } | null): void {
    job.throttle.flush();
    if (state === 'done' && job.info.progress) job.info.progress = { ...job.info.progress, fraction: 1, etaSeconds: 0 };
    job.info.state = state;
    job.info.finishedAt = new Date().toISOString();
    job.info.error = error;
    this.events.state(this.snapshot(job), state === 'done' ? job.result : undefined);
    this.trim();
  }

  private trim(): void {
    const finished = [...this.jobs.values()].filter((j) => j.info.finishedAt !== null);
    for (const j of finished.slice(0, Math.max(0, finished.length - this.opts.keepFinished))) this.jobs.delete(j.info.id);
  }
}

/** An error with a protocol code that is not an UnlearnError code (unknown job, queue full…). */
export class UnlearnErrorLike extends Error {
  constructor(
    readonly code: ErrorCodeName,
    message: string,
  ) {
    super(message);
    this.name = 'EngineProtocolError';
  }
}

export function toErrorInfo(e: unknown): { code: ErrorCodeName; message: string } {
  if (isUnlearnError(e) || e instanceof UnlearnErrorLike) return { code: e.code, message: e.message };
  if (e instanceof Error && isErrorCode((e as { code?: unknown }).code)) return { code: (e as unknown as { code: ErrorCodeName }).code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: `internal error in the engine: ${message}` };
}

