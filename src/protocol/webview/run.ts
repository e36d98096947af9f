/** Messages of the run panel: live progress of training / unlearning jobs, and cancel. */
import { z } from 'zod';
import { hostErrorMessage, maybeNumber, readyMessage } from './common';

export const RUN_JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
const jobId = z.string().min(1).max(200);

/** One loss curve of a job (a phase such as "originals" or "om@10"); x is the job's step count. */
export const lossSeriesSchema = z.object({
  name: z.string().max(200),
  x: z.array(z.number()).max(1_000_000),
  y: z.array(maybeNumber).max(1_000_000),
});
export type LossSeries = z.infer<typeof lossSeriesSchema>;

export const runJobSchema = z.object({
  id: jobId,
  label: z.string().max(500),
  method: z.string().max(200),
  state: z.enum(RUN_JOB_STATES),
  backend: z.string().max(200),
  phase: z.string().max(200),
  /** Of the whole job, 0..1. */
  fraction: z.number().min(0).max(1),
  modelsDone: z.int().min(0),
  modelsTotal: z.int().min(0),
  etaSeconds: maybeNumber,
  startedAt: z.string().max(60).nullable(),
  error: z.string().max(4000).nullable(),
  series: z.array(lossSeriesSchema).max(100),
});
export type RunJob = z.infer<typeof runJobSchema>;

export const runSnapshotSchema = z.object({
  jobs: z.array(runJobSchema).max(1000),
  /** In a restricted workspace nothing new starts; the panel says so. */
  trusted: z.boolean(),
});
export type RunSnapshot = z.infer<typeof runSnapshotSchema>;

/** A progress delta: the host batches engine notifications to a few a second per job. */
export const runProgressSchema = z.object({
  jobId,
  phase: z.string().max(200),
  fraction: z.number().min(0).max(1),
  modelsDone: z.int().min(0),
  modelsTotal: z.int().min(0),
  etaSeconds: maybeNumber,
  /** New loss points since the last delta, appended to the named series. */
  points: z.array(z.object({ series: z.string().max(200), x: z.number(), y: maybeNumber })).max(100_000),
});
export type RunProgress = z.infer<typeof runProgressSchema>;

export const runToWebview = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('snapshot'), snapshot: runSnapshotSchema }),
  z.strictObject({ type: z.literal('jobAdded'), job: runJobSchema }),
  z.strictObject({ type: z.literal('progress'), progress: runProgressSchema }),
  z.strictObject({ type: z.literal('jobState'), jobId, state: z.enum(RUN_JOB_STATES), error: z.string().max(4000).nullable() }),
  hostErrorMessage,
]);
export type RunToWebview = z.infer<typeof runToWebview>;

export const runFromWebview = z.discriminatedUnion('type', [readyMessage, z.strictObject({ type: z.literal('cancel'), jobId })]);
export type RunFromWebview = z.infer<typeof runFromWebview>;

export const runStateSchema = z.object({
  /** Jobs the person folded away. */
  collapsed: z.array(z.string().max(200)).max(1000).default([]),
  logScale: z.boolean().default(false),
});
export type RunState = z.infer<typeof runStateSchema>;
