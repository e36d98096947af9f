/**
 * The host's side of the engine: forks dist/engine.js, speaks the typed protocol to it, and
 * supervises it. A crashed engine is restarted a bounded number of times (none after a
 * deliberate stop); whatever was waiting on it fails with a message saying what happened, and
 * the jobs it was running are reported as interrupted so the caller can offer to run them again
 * (finished work is in the store, so a rerun resumes rather than repeats).
 *
 * No `vscode` import: the extension passes a Logger and settings in, and tests run this in Node.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Emitter, IPCMessageReader, IPCMessageWriter, ResponseError, createMessageConnection, type Event, type MessageConnection } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import {
  JOBS,
  NOTIFICATIONS,
  PROTOCOL_VERSION,
  REQUESTS,
  TERMINAL_JOB_STATES,
  formatIssues,
  isErrorCode,
  jobAcceptedSchema,
  jobNameOf,
  type ErrorCodeName,
  type JobInfo,
  type JobName,
  type JobParams,
  type JobResult,
  type LogEvent,
  type Progress,
  type RequestName,
  type RequestParams,
  type RequestResult,
} from '../../protocol';
import { lineSplitter, logEngineLine, type Logger } from './logger';

export class EngineError extends Error {
  constructor(
    readonly code: ErrorCodeName,
    message: string,
    readonly details: { rpcCode?: number; issues?: Array<{ path: string; message: string }>; jobId?: string } = {},
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export type EngineState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface EngineClientOptions {
  enginePath: string;
  /** A Node executable; default: this process's own (VS Code's Node, with ELECTRON_RUN_AS_NODE). */
  runtime?: string;
  /** Arguments for the runtime, e.g. --max-old-space-size=8192. */
  runtimeArgs?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  logger: Logger;
  /** Automatic restarts allowed within `restartWindowMs`; one more crash and the client gives up. */
  maxRestarts?: number;
  restartWindowMs?: number;
  restartDelayMs?: number;
  shutdownTimeoutMs?: number;
}

/** A job that was queued or running when its engine died. */
export interface InterruptedJob {
  job: JobInfo;
  /** What it was started with, so it can be submitted again. */
  params: unknown;
}

export interface RestartEvent {
  /** "signal SIGKILL", "exit code 1", … */
  reason: string;
  interrupted: InterruptedJob[];
  pid: number | undefined;
}

export interface RunJobOptions {
  onProgress?: (p: Progress) => void;
  onAccepted?: (job: JobInfo) => void;
  signal?: AbortSignal;
}

interface Pending {
  reject(e: EngineError): void;
}

interface TrackedJob {
  info: JobInfo;
  params: unknown;
  result?: unknown;
  waiter?: { resolve(v: unknown): void; reject(e: EngineError): void; onProgress?: (p: Progress) => void };
}

interface Session {
  child: ChildProcess;
  connection: MessageConnection;
  pending: Set<Pending>;
  ready: Promise<void>;
  exited: Promise<void>;
  ended: boolean;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export class EngineClient {
  private session: Session | undefined;
  private state: EngineState = 'idle';
  private deliberate = false;
  private crashes: number[] = [];
  private unavailable: EngineError | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<Session> | undefined;
  private cancelRestart: ((e: EngineError) => void) | undefined;
  private readonly jobs = new Map<string, TrackedJob>();
  private spawns = 0;
  private readonly opts: Required<Omit<EngineClientOptions, 'runtime' | 'cwd' | 'env'>> & Pick<EngineClientOptions, 'runtime' | 'cwd' | 'env'>;

  private readonly stateEmitter = new Emitter<EngineState>();
  private readonly progressEmitter = new Emitter<Progress>();
  private readonly jobStateEmitter = new Emitter<{ job: JobInfo; result?: unknown }>();
  private readonly logEmitter = new Emitter<LogEvent>();
  private readonly restartEmitter = new Emitter<RestartEvent>();
  readonly onDidChangeState: Event<EngineState> = this.stateEmitter.event;
  readonly onProgress: Event<Progress> = this.progressEmitter.event;
  readonly onJobState: Event<{ job: JobInfo; result?: unknown }> = this.jobStateEmitter.event;
  /** Job messages meant for a person (the engine also logs them to stderr). */
  readonly onLog: Event<LogEvent> = this.logEmitter.event;
  readonly onDidRestart: Event<RestartEvent> = this.restartEmitter.event;

  constructor(options: EngineClientOptions) {
    this.opts = { runtimeArgs: [], maxRestarts: 3, restartWindowMs: 3 * 60_000, restartDelayMs: 200, shutdownTimeoutMs: 3000, ...options };
  }

  get currentState(): EngineState {
    return this.state;
  }

  get pid(): number | undefined {
    return this.session && !this.session.ended ? this.session.child.pid : undefined;
  }

  /** Processes started so far (restarts included). */
  get spawnCount(): number {
    return this.spawns;
  }

  /** Starts the engine if it is not running; requests do this themselves. */
  async start(): Promise<void> {
    await this.ensureSession();
  }

  async request<N extends RequestName>(name: N, params: RequestParams<N>): Promise<RequestResult<N>> {
    const def = REQUESTS[name];
    const raw = await this.sendRaw(def.method, params);
    return this.checked(def.result, def.method, raw) as RequestResult<N>;
  }

  /** Sends any method with any params, unchecked: for tests of the engine's own validation. */
  async sendRaw(method: string, params: unknown): Promise<unknown> {
    const session = await this.ensureSession();
    return this.send(session, method, params);
  }

  /** Submits a job; resolves with its result when done, rejects when it fails or is cancelled. */
  async runJob<N extends JobName>(name: N, params: JobParams<N>, opts: RunJobOptions = {}): Promise<JobResult<N>> {
    const { jobId, job } = await this.submitJob(name, params);
    opts.onAccepted?.(job);
    const tracked = this.jobs.get(jobId) as TrackedJob;
    const done = new Promise<unknown>((resolve, reject) => {
      tracked.waiter = { resolve, reject, onProgress: opts.onProgress };
    });
    // The terminal state may already be here if the job was quick.
    this.settleWaiter(tracked);
    const onAbort = () => void this.cancelJob(jobId).catch(() => undefined);
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) onAbort();
    try {
      return this.checked(JOBS[name].result, JOBS[name].method, await done) as JobResult<N>;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Submits a job and returns at once with its id; follow it through onJobState / onProgress. */
  async submitJob<N extends JobName>(name: N, params: JobParams<N>): Promise<{ jobId: string; job: JobInfo }> {
    const accepted = this.checked(jobAcceptedSchema, JOBS[name].method, await this.sendRaw(JOBS[name].method, params));
    const known = this.jobs.get(accepted.jobId);
    if (known) known.params = params;
    else this.jobs.set(accepted.jobId, { info: accepted.job, params });
    return accepted;
  }

  async cancelJob(jobId: string): Promise<JobInfo> {
    return (await this.request('cancel', { jobId })).job;
  }

  /** Runs an interrupted job again; stored finished work makes this a resume. */
  resubmit(interrupted: InterruptedJob, opts: RunJobOptions = {}): Promise<unknown> {
    const name = jobNameOf(interrupted.job.method);
    if (!name) return Promise.reject(new EngineError('unknown-method', `cannot resubmit ${interrupted.job.method}: not a job method`));
    return this.runJob(name, interrupted.params as JobParams<typeof name>, opts);
  }

  /** Deliberate shutdown: no automatic restart follows. Later requests fail until start(). */
  async stop(): Promise<void> {
    this.deliberate = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.cancelRestart?.(new EngineError('engine-unavailable', 'the engine has been shut down'));
    const s = this.session;
    if (!s || s.ended) {
      this.setState('stopped');
      return;
    }
    this.setState('stopping');
    const timeout = this.opts.shutdownTimeoutMs;
    await Promise.race([this.send(s, REQUESTS.shutdown.method, {}).catch(() => undefined), delay(timeout)]);
    if (!(await Promise.race([s.exited.then(() => true), delay(timeout).then(() => false)]))) {
      this.opts.logger.warn(`the engine (pid ${s.child.pid}) did not exit within ${timeout} ms of shutdown: killing it`);
      s.child.kill('SIGKILL');
      await s.exited;
    }
    this.setState('stopped');
  }

  /** Stops the engine (if running) and starts a fresh one, forgetting earlier crashes. */
  async restart(): Promise<void> {
    await this.stop();
    this.crashes = [];
    this.unavailable = undefined;
    this.deliberate = false;
    this.setState('idle');
    await this.ensureSession();
  }

  dispose(): Promise<void> {
    return this.stop();
  }

  // -------------------------------------------------------------------------------------------

  private setState(s: EngineState): void {
    if (this.state === s) return;
    this.state = s;
    this.stateEmitter.fire(s);
  }

  private checked<S extends z.ZodType>(schema: S, method: string, value: unknown): z.output<S> {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const detail = formatIssues(r.error.issues).map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new EngineError('internal', `the engine's reply to ${method} does not match the protocol (${detail}); is the engine from another version of the extension?`);
  }

  private async ensureSession(): Promise<Session> {
    if (this.state === 'failed' && this.unavailable) throw this.unavailable;
    if (this.state === 'stopped' || this.state === 'stopping') throw new EngineError('engine-unavailable', 'the engine has been shut down; run "Unlearn: Restart Engine" to start it again');
    if (this.restarting) return this.restarting;
    if (this.session && !this.session.ended) {
      await this.session.ready;
      return this.session;
    }
    const s = this.spawn();
    await s.ready;
    return s;
  }

  private spawn(): Session {
    const { enginePath, runtime, runtimeArgs, logger } = this.opts;
    if (!existsSync(enginePath)) {
      this.fail(new EngineError('engine-unavailable', `the engine bundle ${enginePath} is missing: build the extension (npm run build)`));
      throw this.unavailable as EngineError;
    }
    this.setState('starting');
    this.spawns++;
    const env: Record<string, string | undefined> = { ...process.env, ...this.opts.env };
    // Without a runtime setting the engine runs on the host's own executable, which inside VS Code
    // is Electron: this makes it behave as plain Node.
    if (!runtime) env.ELECTRON_RUN_AS_NODE = '1';
    const execPath = runtime || process.execPath;
    logger.info(`starting the engine: ${execPath} ${[...runtimeArgs, enginePath].join(' ')}`);
    const child = fork(enginePath, [], { execPath, execArgv: runtimeArgs, env, cwd: this.opts.cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    for (const stream of ['stdout', 'stderr'] as const) {
      const split = lineSplitter((line) => logEngineLine(logger, stream, line));
      child[stream]?.on('data', (d: Buffer) => split.push(d));
      child[stream]?.on('end', () => split.end());
    }
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child), {
      error: (m) => logger.error(`rpc: ${m}`),
      warn: (m) => logger.warn(`rpc: ${m}`),
      info: (m) => logger.debug(`rpc: ${m}`),
      log: (m) => logger.debug(`rpc: ${m}`),
    });
    let markExited: () => void = () => undefined;
    const session: Session = {
      child,
      connection,
      pending: new Set(),
      ended: false,
      ready: Promise.resolve(),
      exited: new Promise<void>((r) => (markExited = r)),
    };
    this.session = session;
    connection.onNotification(NOTIFICATIONS.progress.method, (p: unknown) => this.onProgressMessage(p));
    connection.onNotification(NOTIFICATIONS.jobState.method, (p: unknown) => this.onJobStateMessage(p));
    connection.onNotification(NOTIFICATIONS.log.method, (p: unknown) => {
      const r = NOTIFICATIONS.log.params.safeParse(p);
      if (r.success) this.logEmitter.fire(r.data);
    });
    connection.listen();
    child.on('error', (e) => {
      // Spawning failed (a wrong runtime path): retrying would fail the same way.
      if (session.ended) return;
      const err = new EngineError('engine-unavailable', `could not start the engine with ${execPath}: ${e.message} (check the setting unlearn.engine.runtime)`);
      logger.error(err.message);
      this.endSession(session, err);
      markExited();
      this.fail(err);
    });
    child.on('exit', (code, signal) => {
      markExited();
      if (session.ended) return;
      this.onUnexpectedExit(session, code, signal);
    });
    session.ready = this.handshake(session);
    session.ready.catch(() => undefined);
    return session;
  }

  private async handshake(session: Session): Promise<void> {
    const raw = await this.send(session, REQUESTS.engineInfo.method, {});
    const info = this.checked(REQUESTS.engineInfo.result, REQUESTS.engineInfo.method, raw);
    if (info.protocolVersion !== PROTOCOL_VERSION) {
      const err = new EngineError('engine-unavailable', `the engine speaks protocol ${info.protocolVersion}, this extension ${PROTOCOL_VERSION}: rebuild or reinstall the extension`);
      this.endSession(session, err);
      session.child.kill();
      this.fail(err);
      throw err;
    }
    this.opts.logger.info(`engine ${info.engineVersion} ready (pid ${info.pid}, Node ${info.node})`);
    this.setState('running');
  }

  private send(session: Session, method: string, params: unknown): Promise<unknown> {
    if (session.ended) return Promise.reject(new EngineError('engine-stopped', 'the engine has stopped'));
    return new Promise<unknown>((resolve, reject) => {
      const pending: Pending = { reject };
      session.pending.add(pending);
      session.connection.sendRequest(method, params).then(
        (r) => {
          session.pending.delete(pending);
          resolve(r);
        },
        (e: unknown) => {
          session.pending.delete(pending);
          reject(this.toEngineError(e, method));
        },
      );
    });
  }

  private toEngineError(e: unknown, method: string): EngineError {
    if (e instanceof EngineError) return e;
    if (e instanceof ResponseError) {
      const data = e.data as { code?: unknown; issues?: Array<{ path: string; message: string }>; jobId?: string } | undefined;
      const code: ErrorCodeName = isErrorCode(data?.code) ? data.code : e.code === -32601 ? 'unknown-method' : e.code === -32602 ? 'invalid-params' : 'internal';
      return new EngineError(code, e.message, { rpcCode: e.code, issues: data?.issues, jobId: data?.jobId });
    }
    return new EngineError('internal', `${method}: ${e instanceof Error ? e.message : String(e)}`);
  }

  private onProgressMessage(p: unknown): void {
    const r = NOTIFICATIONS.progress.params.safeParse(p);
    if (!r.success) {
      this.opts.logger.warn(`ignored a malformed progress notification from the engine`);
      return;
    }
    const tracked = this.jobs.get(r.data.jobId);
    if (tracked) tracked.info = { ...tracked.info, progress: r.data };
    tracked?.waiter?.onProgress?.(r.data);
    this.progressEmitter.fire(r.data);
  }

  private onJobStateMessage(p: unknown): void {
    const r = NOTIFICATIONS.jobState.params.safeParse(p);
    if (!r.success) {
      this.opts.logger.warn(`ignored a malformed jobState notification from the engine`);
      return;
    }
    const { job, result } = r.data;
    const tracked = this.jobs.get(job.id) ?? { info: job, params: undefined };
    tracked.info = job;
    if (job.state === 'done') tracked.result = result;
    this.jobs.set(job.id, tracked);
    this.settleWaiter(tracked);
    this.jobStateEmitter.fire(r.data);
    this.trimJobs();
  }

  private settleWaiter(t: TrackedJob): void {
    const w = t.waiter;
    if (!w || !TERMINAL_JOB_STATES.includes(t.info.state)) return;
    t.waiter = undefined;
    if (t.info.state === 'done') w.resolve(t.result);
    else w.reject(new EngineError((t.info.error?.code as ErrorCodeName | undefined) ?? (t.info.state === 'cancelled' ? 'cancelled' : 'internal'), t.info.error?.message ?? t.info.state, { jobId: t.info.id }));
  }

  private trimJobs(): void {
    const finished = [...this.jobs.values()].filter((j) => TERMINAL_JOB_STATES.includes(j.info.state) && !j.waiter);
    for (const j of finished.slice(0, Math.max(0, finished.length - 200))) this.jobs.delete(j.info.id);
  }

  /** Fails everything that waits on this session; returns the jobs it was running. */
  private endSession(session: Session, err: EngineError): InterruptedJob[] {
    session.ended = true;
    for (const p of session.pending) p.reject(err);
    session.pending.clear();
    session.connection.dispose();
    const interrupted: InterruptedJob[] = [];
    for (const t of this.jobs.values()) {
      if (TERMINAL_JOB_STATES.includes(t.info.state)) continue;
      interrupted.push({ job: t.info, params: t.params });
      t.waiter?.reject(new EngineError(err.code, `job ${t.info.id} (${t.info.label}) was interrupted: ${err.message}`, { jobId: t.info.id }));
      this.jobs.delete(t.info.id);
    }
    return interrupted;
  }

  private fail(err: EngineError): void {
    this.unavailable = err;
    this.setState('failed');
  }

  private onUnexpectedExit(session: Session, code: number | null, signal: NodeJS.Signals | null): void {
    const reason = describeExit(code, signal);
    if (this.deliberate) {
      this.endSession(session, new EngineError('engine-stopped', `the engine was shut down (${reason})`));
      return;
    }
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < this.opts.restartWindowMs), now];
    const restart = this.crashes.length <= this.opts.maxRestarts;
    const minutes = Math.round(this.opts.restartWindowMs / 60_000);
    const message = restart
      ? `the engine stopped unexpectedly (${reason}); restarting…`
      : `the engine stopped unexpectedly (${reason}), ${plural(this.crashes.length, 'time')} within ${plural(minutes, 'minute')}; it is not restarted again. See the "Unlearn Engine" log, then run "Unlearn: Restart Engine"`;
    this.opts.logger.error(message);
    const interrupted = this.endSession(session, new EngineError('engine-stopped', message));
    if (interrupted.length) this.opts.logger.warn(`interrupted: ${interrupted.map((i) => `${i.job.id} (${i.job.label}, ${i.job.state})`).join(', ')}`);
    if (!restart) {
      this.fail(new EngineError('engine-unavailable', message));
      return;
    }
    this.setState('restarting');
    const restarting: Promise<Session> = new Promise<Session>((resolve, reject) => {
      const settle = (f: () => void) => {
        // A newer crash may have scheduled its own restart meanwhile: leave that one in place.
        if (this.restarting === restarting) this.restarting = undefined;
        this.cancelRestart = undefined;
        f();
      };
      this.cancelRestart = (e) => settle(() => reject(e));
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        try {
          const s = this.spawn();
          s.ready.then(
            () => {
              settle(() => resolve(s));
              this.restartEmitter.fire({ reason, interrupted, pid: s.child.pid });
            },
            (e: unknown) => settle(() => reject(e)),
          );
        } catch (e) {
          settle(() => reject(e));
        }
      }, this.opts.restartDelayMs);
    });
    this.restarting = restarting;
    restarting.catch(() => undefined);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
