/**
 * The engine RPC: method names, which schema checks each payload, and which methods are jobs.
 * The table below is what both the host's client and the engine's server are built from, so a
 * method cannot exist on one side only. See docs/engine-protocol.md for the lifecycle.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { z } from 'zod';
import * as s from './schemas';

/** Bumped on any incompatible change; the host refuses an engine that reports another. */
export const PROTOCOL_VERSION = 1;

interface MethodDef<P extends z.ZodType, R extends z.ZodType> {
  readonly method: string;
  readonly params: P;
  readonly result: R;
}

const def = <P extends z.ZodType, R extends z.ZodType>(method: string, params: P, result: R): MethodDef<P, R> => ({ method, params, result });

/** Requests answered directly. */
export const REQUESTS = {
  engineInfo: def('unlearn/engineInfo', s.engineInfoParams, s.engineInfoResult),
  listDatasets: def('unlearn/listDatasets', s.listDatasetsParams, s.listDatasetsResult),
  listUnlearners: def('unlearn/listUnlearners', s.listUnlearnersParams, s.listUnlearnersResult),
  datasetSamples: def('unlearn/datasetSamples', s.datasetSamplesParams, s.datasetSamplesResult),
  createForgetSet: def('unlearn/createForgetSet', s.createForgetSetParams, s.createForgetSetResult),
  validateForgetSet: def('unlearn/validateForgetSet', s.validateForgetSetParams, s.validateForgetSetResult),
  readResult: def('unlearn/readResult', s.readResultParams, s.readResultResult),
  listResults: def('unlearn/listResults', s.listResultsParams, s.listResultsResult),
  perPointKlom: def('unlearn/perPointKlom', s.perPointKlomParams, s.perPointKlomResult),
  pointMargins: def('unlearn/pointMargins', s.pointMarginsParams, s.pointMarginsResult),
  listJobs: def('unlearn/listJobs', s.listJobsParams, s.listJobsResult),
  jobResult: def('unlearn/jobResult', s.jobIdParams, s.jobResultResult),
  cancel: def('unlearn/cancel', s.jobIdParams, s.cancelResult),
  shutdown: def('unlearn/shutdown', s.shutdownParams, s.shutdownResult),
} as const;

/**
 * Long requests: each answers at once with `{ jobId, job }`; the job's result arrives in the
 * `unlearn/jobState` notification that reports `done`, and `unlearn/jobResult` returns it later.
 * `result` here is the schema of that job result.
 */
export const JOBS = {
  train: def('unlearn/train', s.trainParams, s.trainResult),
  trainEnsemble: def('unlearn/trainEnsemble', s.trainEnsembleParams, s.trainEnsembleResult),
  evaluate: def('unlearn/evaluate', s.evaluateParams, s.evaluateResult),
  linearStudy: def('unlearn/linearStudy', s.linearStudyParams, s.linearStudyResult),
  estimateDatamodels: def('unlearn/estimateDatamodels', s.estimateDatamodelsParams, s.estimateDatamodelsResult),
  runUnlearners: def('unlearn/runUnlearners', s.runUnlearnersParams, s.runUnlearnersResult),
  compare: def('unlearn/compare', s.compareParams, s.compareResult),
} as const;

export const NOTIFICATIONS = {
  progress: { method: 'unlearn/progress', params: s.progressSchema },
  jobState: { method: 'unlearn/jobState', params: s.jobStateNotification },
  log: { method: 'unlearn/log', params: s.logNotification },
} as const;

export type RequestName = keyof typeof REQUESTS;
export type JobName = keyof typeof JOBS;
export type RequestParams<N extends RequestName> = z.input<(typeof REQUESTS)[N]['params']>;
export type RequestResult<N extends RequestName> = z.output<(typeof REQUESTS)[N]['result']>;
export type JobParams<N extends JobName> = z.input<(typeof JOBS)[N]['params']>;
/** Params after validation, defaults filled in: what the engine's handlers receive. */
export type ParsedJobParams<N extends JobName> = z.output<(typeof JOBS)[N]['params']>;
export type ParsedRequestParams<N extends RequestName> = z.output<(typeof REQUESTS)[N]['params']>;
export type JobResult<N extends JobName> = z.output<(typeof JOBS)[N]['result']>;
export type JobAccepted = z.output<typeof s.jobAcceptedSchema>;
export type JobStateEvent = z.output<typeof s.jobStateNotification>;
export type LogEvent = z.output<typeof s.logNotification>;

export const ALL_METHODS: readonly string[] = [...Object.values(REQUESTS), ...Object.values(JOBS)].map((d) => d.method);

export function jobNameOf(method: string): JobName | undefined {
  return (Object.keys(JOBS) as JobName[]).find((n) => JOBS[n].method === method);
}

/** Typed vscode-jsonrpc request objects, for callers who use the connection directly. */
export const requestTypes = Object.fromEntries(Object.entries(REQUESTS).map(([n, d]) => [n, new RequestType<unknown, unknown, ErrorData>(d.method)])) as {
  [N in RequestName]: RequestType<RequestParams<N>, RequestResult<N>, ErrorData>;
};
export const jobRequestTypes = Object.fromEntries(Object.entries(JOBS).map(([n, d]) => [n, new RequestType<unknown, unknown, ErrorData>(d.method)])) as {
  [N in JobName]: RequestType<JobParams<N>, JobAccepted, ErrorData>;
};
export const notificationTypes = {
  progress: new NotificationType<s.Progress>(NOTIFICATIONS.progress.method),
  jobState: new NotificationType<JobStateEvent>(NOTIFICATIONS.jobState.method),
  log: new NotificationType<LogEvent>(NOTIFICATIONS.log.method),
};

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Stable error codes, carried in every JSON-RPC error's `data.code`. The first group are the
 * engine's `UnlearnError` codes (src/engine/errors.ts); the rest belong to the protocol.
 */
export const ERROR_CODES = [
  'bad-file',
  'not-found',
  'bad-config',
  'bad-forget-set',
  'backend',
  'diverged',
  'cancelled',
  'io',
  'invalid-request',
  'invalid-params',
  'unknown-method',
  'unknown-job',
  'not-available',
  'queue-full',
  'shutting-down',
  'internal',
  /** Raised by the client, never by the engine: the process died or could not start. */
  'engine-stopped',
  'engine-unavailable',
] as const;
export type ErrorCodeName = (typeof ERROR_CODES)[number];

export interface ErrorData {
  code: ErrorCodeName;
  /** For invalid-params: each fault with the dotted path of the field. */
  issues?: Array<{ path: string; message: string }>;
  jobId?: string;
}

/** JSON-RPC numeric codes: the standard ones where they fit, one application code otherwise. */
export const RPC_CODES = {
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** Any fault of the input or the environment; `data.code` says which. */
  application: -32000,
} as const;

export function rpcCodeFor(code: ErrorCodeName): number {
  switch (code) {
    case 'invalid-request':
      return RPC_CODES.invalidRequest;
    case 'unknown-method':
      return RPC_CODES.methodNotFound;
    case 'invalid-params':
      return RPC_CODES.invalidParams;
    case 'internal':
      return RPC_CODES.internal;
    default:
      return RPC_CODES.application;
  }
}

export function isErrorCode(v: unknown): v is ErrorCodeName {
  return typeof v === 'string' && (ERROR_CODES as readonly string[]).includes(v);
}

/** "config.epochs: Too small…; seeds[2]: …" — field paths as a person would write them. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): Array<{ path: string; message: string }> {
  return issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(params)';
}
