/**
 * Messages of the linear-study panel (SPEC §7, the seed's Figure 3). The wire shape is a subset of
 * the engine's `LinearStudyResult` (src/engine/linear/study.ts), defined here so that the webview
 * imports no engine code; the host maps one onto the other.
 */
import { z } from 'zod';
import { finite, hostErrorMessage, readyMessage } from './common';

/** The editable settings; omitted fields take the engine's defaults. */
export const linearFormSchema = z.strictObject({
  n: z.int().min(2).max(4000),
  d: z.int().min(1).max(100_000),
  k: z.int().min(1),
  nTest: z.int().min(1).max(100_000),
  lambda: finite().min(0),
  noise: finite().min(0),
  /** null: 1 / λ_max(XᵀX). */
  lr: finite().positive().nullable(),
  steps: z.int().min(0).max(10_000_000),
  ascentWeights: z.array(finite().min(0)).min(1).max(8),
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
}).refine((s) => s.k < s.n, { message: 'the forget set must be smaller than the training set', path: ['k'] });
export type LinearForm = z.infer<typeof linearFormSchema>;

export const LINEAR_DEFAULTS: LinearForm = { n: 100, d: 400, k: 5, nTest: 1000, lambda: 1e-3, noise: 0.1, lr: null, steps: 10_000, ascentWeights: [1, 0.1], seed: 0 };

const curve = z.array(z.number().nullable()).max(1_000_000);

export const linearCurveSchema = z.object({
  id: z.string().max(100),
  name: z.string().max(200),
  kind: z.enum(['iterative', 'direct']),
  objective: z.string().max(500),
  steps: z.array(z.number().min(0)).max(1_000_000),
  /** ‖θ_t − θ_r‖ / ‖θ − θ_r‖. */
  relParamDist: curve,
  /** Prediction error on fresh test points, relative to its value at θ. */
  relPredErrTest: curve,
  diverged: z.object({ step: z.int().min(0), reason: z.string().max(100) }).nullable(),
});
export type LinearCurve = z.infer<typeof linearCurveSchema>;

export const linearResultSchema = z.object({
  settingsHash: z.string().max(100),
  lr: z.number(),
  lrSource: z.enum(['auto', 'given']),
  lambdaMax: z.number(),
  forget: z.array(z.int().min(0)).max(1_000_000),
  methods: z.array(linearCurveSchema).max(20),
  totalMs: z.number().min(0),
});
export type LinearResultWire = z.infer<typeof linearResultSchema>;

export const linearSnapshotSchema = z.object({
  form: linearFormSchema,
  result: linearResultSchema.nullable(),
  running: z.boolean(),
  trusted: z.boolean(),
});
export type LinearSnapshot = z.infer<typeof linearSnapshotSchema>;

export const linearToWebview = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('snapshot'), snapshot: linearSnapshotSchema }),
  z.strictObject({ type: z.literal('progress'), methodId: z.string().max(100), step: z.int().min(0), steps: z.int().min(0) }),
  z.strictObject({ type: z.literal('result'), result: linearResultSchema }),
  z.strictObject({ type: z.literal('cancelled') }),
  hostErrorMessage,
]);
export type LinearToWebview = z.infer<typeof linearToWebview>;

export const linearFromWebview = z.discriminatedUnion('type', [
  readyMessage,
  z.strictObject({ type: z.literal('run'), form: linearFormSchema }),
  z.strictObject({ type: z.literal('cancel') }),
]);
export type LinearFromWebview = z.infer<typeof linearFromWebview>;

export const linearStateSchema = z.object({
  metric: z.enum(['param', 'pred']).default('param'),
  /** The form as last edited, kept even when it does not validate yet. */
  draft: z.record(z.string(), z.string().max(1000)).nullable().default(null),
  hidden: z.array(z.string().max(100)).max(20).default([]),
});
export type LinearState = z.infer<typeof linearStateSchema>;
