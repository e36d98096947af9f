/**
 * The engine child process: JSON-RPC (vscode-jsonrpc) over the IPC channel of `child_process.fork`,
 * never over stdio, so nothing a dependency prints can corrupt a message. The host forks it; see
 * docs/engine-protocol.md for methods, the job lifecycle, errors and the restart policy.
 *
 * The same bundle is re-entered as a worker thread for the linear study (see jobs/linear-worker).
 */
import { format } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import {
  IPCMessageReader,
  IPCMessageWriter,
  ResponseError,
  createMessageConnection,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import { ENGINE_VERSION } from './version';
import { log } from './log';
import { isUnlearnError } from './errors';
import { isLinearWorker, linearWorkerMain } from './jobs/linear-worker';
import { jobFactories, requestHandlers } from './jobs/handlers';
import { availableOptionalJobs } from './jobs/optional';
import { JobQueue, toErrorInfo } from './jobs/queue';
import {
  ALL_METHODS,
  JOBS,
  NOTIFICATIONS,
  REQUESTS,
  RPC_CODES,
  formatIssues,
  jobAcceptedSchema,
  rpcCodeFor,
  type ErrorCodeName,
  type ErrorData,
  type JobName,
  type RequestName,
} from '../protocol';

/**
 * Anything written to stdout goes to stderr instead: a dependency that prints must not be able to
 * reach the host as anything but a log line (the host shows both streams in the engine log).
 */
function redirectStdout(): void {
  const toStderr = (...args: unknown[]): void => {
    process.stderr.write(format(...args) + '\n');
  };
  Object.assign(console, { log: toStderr, info: toStderr, debug: toStderr });
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
}

/** Why a message is not a request or notification the engine can act on, or undefined if it is. */
function invalidReason(m: unknown): string | undefined {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return `expected a JSON-RPC object, got ${Array.isArray(m) ? 'an array' : m === null ? 'null' : typeof m}`;
  const o = m as Record<string, unknown>;
  if (o.jsonrpc !== '2.0') return `"jsonrpc" must be "2.0", got ${JSON.stringify(o.jsonrpc) ?? 'nothing'}`;
  if (!('method' in o)) return 'the engine sends no requests, so it expects no responses: a message needs a "method"';
  if (typeof o.method !== 'string' || o.method === '') return `"method" must be a non-empty string, got ${JSON.stringify(o.method)}`;
  if ('id' in o && typeof o.id !== 'string' && typeof o.id !== 'number') return `"id" must be a string or a number, got ${JSON.stringify(o.id)}`;
  if ('params' in o && o.params !== undefined && (o.params === null || typeof o.params !== 'object')) return `"params" must be an object, got ${JSON.stringify(o.params)}`;
  return undefined;
}

/**
 * Screens incoming messages before vscode-jsonrpc sees them: it would only log a malformed
 * message, leaving a caller that sent one with an id waiting forever. Here such a caller gets an
 * Invalid Request error naming the fault.
 */
class CheckedReader implements MessageReader {
  constructor(
    private readonly inner: MessageReader,
    private readonly writer: MessageWriter,
  ) {}
  get onError() {
    return this.inner.onError;
  }
  get onClose() {
    return this.inner.onClose;
  }
  get onPartialMessage() {
    return this.inner.onPartialMessage;
  }
  listen(callback: DataCallback): Disposable {
    return this.inner.listen((msg) => {
      const why = invalidReason(msg);
      if (why === undefined) {
        callback(msg);
        return;
      }
      const id = (msg as { id?: unknown } | null)?.id;
      const message = `invalid JSON-RPC message: ${why}`;
      log.warn(`${message} (message: ${JSON.stringify(msg)?.slice(0, 200)})`);
      if (typeof id === 'string' || typeof id === 'number') {
        const data: ErrorData = { code: 'invalid-request' };
        void this.writer.write({ jsonrpc: '2.0', id, error: { code: RPC_CODES.invalidRequest, message, data } } as Message);
      }
    });
  }
  dispose(): void {
    this.inner.dispose();
  }
}

function responseError(code: ErrorCodeName, message: string, extra: Partial<ErrorData> = {}): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(rpcCodeFor(code), message, { code, ...extra });
}

function toResponseError(e: unknown, method: string): ResponseError<ErrorData> {
  if (e instanceof ResponseError) return e as ResponseError<ErrorData>;
  const info = toErrorInfo(e);
  if (info.code === 'internal') log.error(`${method}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return responseError(info.code, info.message);
}

function parseParams<S extends z.ZodType>(schema: S, method: string, params: unknown): z.output<S> {
  if (Array.isArray(params)) throw responseError('invalid-params', `${method}: params must be an object of named fields, not a list`);
  const r = schema.safeParse(params ?? {});
  if (r.success) return r.data;
  const issues = formatIssues(r.error.issues);
  throw responseError('invalid-params', `invalid params for ${method}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

/** The wire form of a value: what JSON makes of NaN, Infinity, typed arrays and undefined. */
function jsonSafe(v: unknown): unknown {
  return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown);
}

function checkResult<S extends z.ZodType>(schema: S, method: string, value: unknown): z.output<S> {
  const r = schema.safeParse(jsonSafe(value));
  if (r.success) return r.data;
  // The engine broke its own contract: a bug, reported as such rather than sent on malformed.
  const detail = formatIssues(r.error.issues).map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new Error(`the result of ${method} does not match the protocol (${detail})`);
}

function startServer(): void {
  redirectStdout();
  if (typeof process.send !== 'function') {
    process.stderr.write(
      'dist/engine.js is the Unlearning Workbench engine process: it talks JSON-RPC over the IPC channel of ' +
        'child_process.fork and is started by the extension. For the command line use `unlearn` (bin/unlearn.js).\n',
    );
    process.exit(2);
  }

  const writer = new IPCMessageWriter(process);
  const reader = new CheckedReader(new IPCMessageReader(process), writer);
  const connection = createMessageConnection(reader, writer, { error: log.error, warn: log.warn, info: log.debug, log: log.debug });

  const queue = new JobQueue(
    {
      state: (job, result) => {
        log.info(`job ${job.id} ${job.state}: ${job.label}${job.error ? ` — ${job.error.message}` : ''}`);
        void connection.sendNotification(NOTIFICATIONS.jobState.method, result === undefined ? { job } : { job, result });
      },
      progress: (p) => void connection.sendNotification(NOTIFICATIONS.progress.method, p),
      note: (level, message, jobId) => {
        log[level](`job ${jobId}: ${message}`);
        void connection.sendNotification(NOTIFICATIONS.log.method, { level, message, jobId });
      },
    },
    { idPrefix: `${process.pid.toString(36)}` },
  );

  const env = { entry: __filename, capabilities: [...['train', 'trainEnsemble', 'evaluate', 'linearStudy'].map((n) => `unlearn/${n}`), ...availableOptionalJobs().map((n) => `unlearn/${n}`)] };
  const handlers = requestHandlers(env);
  const factories = jobFactories(env);
  let shuttingDown = false;

  const shutdown = async (): Promise<string[]> => {
    shuttingDown = true;
    const timeout = new Promise<string[]>((r) => setTimeout(() => r([]), 3000).unref());
    return Promise.race([queue.close(), timeout]);
  };

  const dispatch = async (method: string, params: unknown): Promise<unknown> => {
    const requestName = (Object.keys(REQUESTS) as RequestName[]).find((n) => REQUESTS[n].method === method);
    if (requestName) {
      const def = REQUESTS[requestName];
      const p = parseParams(def.params, method, params);
      switch (requestName) {
        case 'listJobs':
          return { jobs: queue.list() };
        case 'jobResult':
          return queue.get((p as { jobId: string }).jobId);
        case 'cancel':
          return { job: queue.cancel((p as { jobId: string }).jobId) };
        case 'shutdown': {
          const cancelledJobs = await shutdown();
          // After the reply has gone out: the host waits for the exit, and kills us if it never comes.
          setTimeout(() => process.exit(0), 100);
          return { cancelledJobs };
        }
        default: {
          const handler = handlers[requestName] as (p: unknown) => Promise<unknown>;
          return checkResult(def.result, method, await handler(p));
        }
      }
    }
    const jobName = (Object.keys(JOBS) as JobName[]).find((n) => JOBS[n].method === method);
    if (jobName) {
      if (shuttingDown) throw responseError('shutting-down', 'the engine is shutting down and accepts no new jobs');
      const def = JOBS[jobName];
      const p = parseParams(def.params, method, params);
      const spec = (factories[jobName] as (p: unknown) => ReturnType<(typeof factories)['train']>)(p);
      const job = queue.submit({ ...spec, run: async (ctx) => checkResult(def.result, method, await spec.run(ctx)) });
      return jobAcceptedSchema.parse({ jobId: job.id, job });
    }
    const known = ALL_METHODS.join(', ');
    throw responseError('unknown-method', `unknown method "${method}": this engine (${ENGINE_VERSION}) knows ${known}`);
  };

  connection.onRequest(async (method, params) => {
    try {
      return await dispatch(method, params);
    } catch (e) {
      throw toResponseError(e, method);
    }
  });
  connection.onNotification((method) => {
    if (method !== '$/cancelRequest' && method !== '$/setTrace') log.warn(`ignored unknown notification "${method}"`);
  });
  connection.onError(([error]) => log.error(`connection error: ${error.message}`));
  connection.listen();

  // The host is gone (closed window, crashed): stop work and leave, or we would run orphaned.
  process.on('disconnect', () => {
    log.info('the host disconnected: stopping');
    void shutdown().finally(() => process.exit(0));
  });
  process.on('uncaughtException', (e) => {
    log.error(`uncaught exception, the engine stops: ${e.stack ?? e.message}`);
    process.exit(70);
  });
  process.on('unhandledRejection', (e) => {
    log.error(`unhandled rejection: ${isUnlearnError(e) ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  });
  log.info(`engine ${ENGINE_VERSION} started (pid ${process.pid}, Node ${process.version})`);
}

if (!isMainThread && isLinearWorker()) {
  redirectStdout();
  linearWorkerMain();
} else if (isMainThread) {
  startServer();
}

