/**
 * Payload schemas of the engine RPC: the one source of truth for what crosses the host ↔ engine
 * seam. Types are `z.infer`red from these, and both sides validate with them at run time, so a
 * message that type-checks on one side but was built by a stale or buggy peer is still caught.
 *
 * The engine's own input schemas (model spec, training config, linear-study settings, forget
 * sets) are reused, not copied: their modules import zod and node built-ins only, never
 * TensorFlow.js, so the host bundle stays free of it (test/engine-rpc/bundle.test.ts checks).
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { ForgetSetSchema } from '../engine/forget/forget-set';
import { linearSettingsSchema } from '../engine/linear/settings';
import { modelSpecSchema } from '../engine/models/types';
import { trainConfigSchema } from '../engine/train/config';

export { ForgetSetSchema, linearSettingsSchema, modelSpecSchema, trainConfigSchema };

/** A number that JSON may have turned into null (NaN and ±Infinity have no JSON form). */
export const maybeNumber = z.number().nullable();

const absolutePath = (what: string) => z.string().min(1, `${what} must not be empty`).refine(isAbsolute, `${what} must be an absolute path`);

/** The result store folder. Absolute, because the engine's working directory is not the workspace. */
export const storeSchema = absolutePath('store');

export const DATASET_FORMATS = ['idx', 'cifar', 'image-folder', 'csv', 'npy'] as const;

/** Which dataset, and which cut of it: the same options the CLI takes. */
export const datasetRefSchema = z.strictObject({
  /** `embedded` (default), `fashion-mnist`, or an absolute path. */
  spec: z.string().optional(),
  format: z.enum(DATASET_FORMATS).optional(),
  trainSize: z.int().positive().optional(),
  valSize: z.int().positive().optional(),
  labelColumn: z.string().min(1).optional(),
  splitSeed: z.int().nonnegative().optional(),
});
export type DatasetRef = z.infer<typeof datasetRefSchema>;
export type ForgetSet = z.infer<typeof ForgetSetSchema>;

export const datasetInfoSchema = z.object({
  spec: z.string(),
  name: z.string(),
  source: z.string(),
  format: z.enum(DATASET_FORMATS),
  trainSize: z.int(),
  valSize: z.int(),
  inputShape: z.array(z.int()),
  numClasses: z.int(),
});
export type DatasetInfo = z.infer<typeof datasetInfoSchema>;

/** A forget set given inline or as a file; exactly one of the two. */
export const forgetSetSourceSchema = z
  .strictObject({ set: ForgetSetSchema.optional(), file: absolutePath('file').optional() })
  .refine((v) => (v.set === undefined) !== (v.file === undefined), 'give exactly one of "set" (the forget set itself) or "file" (a .forget.json path)');
export type ForgetSetSource = z.infer<typeof forgetSetSourceSchema>;

export const ENSEMBLE_ROLES = ['originals', 'oracles', 'oracles-floor'] as const;
export const klomOptionsSchema = z.strictObject({
  binning: z.enum(['reference', 'closed']).default('reference'),
  direction: z.enum(['unlearned-oracle', 'oracle-unlearned']).default('unlearned-oracle'),
});

const seedSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const ensembleSize = z.int().min(1).max(10_000);

/** Artifact kinds and keys become folder names: nothing that could climb out of the store. */
const kindSchema = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a store kind such as "models" (lower-case letters, digits, "-")');
const keySchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an artifact key (letters, digits, "_", "-")');
const artifactFileSchema = z
  .string()
  .regex(/^[\w.-]+(\/[\w.-]+)*$/, 'must be a file name inside the artifact, such as "margins.npy" or "params/w0.npy"')
  .refine((s) => !s.split('/').some((p) => p === '..' || p === '.'), 'must not contain "." or ".." segments');

// ---------------------------------------------------------------------------------------------
// Short requests

export const engineInfoParams = z.strictObject({
  /** Initialise TensorFlow.js to report the backend (takes a second the first time). */
  initBackend: z.boolean().default(false),
});
export const backendInfoSchema = z.object({ name: z.string(), tfjsVersion: z.string(), reason: z.string() });
export const engineInfoResult = z.object({
  engineVersion: z.string(),
  protocolVersion: z.int(),
  node: z.string(),
  pid: z.int(),
  platform: z.string(),
  /** Null until a job or `initBackend` loaded TensorFlow.js. */
  backend: backendInfoSchema.nullable(),
  requestedBackend: z.string(),
  /** Job methods this engine can run (optional modules may be absent). */
  capabilities: z.array(z.string()),
});

export const listDatasetsParams = z.strictObject({});
export const listDatasetsResult = z.object({ datasets: z.array(datasetInfoSchema) });

export const datasetSamplesParams = z.strictObject({
  dataset: datasetRefSchema.default({}),
  split: z.enum(['train', 'validation']).default('train'),
  offset: z.int().nonnegative().default(0),
  limit: z.int().min(1).max(2000).default(100),
});
export const datasetSamplesResult = z.object({
  datasetId: z.string(),
  name: z.string(),
  split: z.enum(['train', 'validation']),
  /** Points in the whole split. */
  total: z.int(),
  offset: z.int(),
  count: z.int(),
  /** [H, W, C] for images. */
  inputShape: z.array(z.int()),
  classNames: z.array(z.string()),
  labels: z.array(z.int()),
  /** Base64 of count × prod(inputShape) uint8 values (HWC); null for non-image data. */
  pixels: z.base64().nullable(),
});

export const forgetGeneratorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('random'), k: z.int().positive(), seed: seedSchema.default(0) }),
  z.strictObject({ kind: z.literal('class'), class: z.int().nonnegative() }),
  z.strictObject({ kind: z.literal('nearest-neighbours'), anchor: z.int().nonnegative(), k: z.int().positive() }),
  z.strictObject({
    kind: z.literal('principal-component'),
    /** A [training points × features] .npy matrix, e.g. datamodel weights. */
    matrix: absolutePath('matrix'),
    component: z.int().nonnegative().default(0),
    k: z.int().positive(),
    side: z.enum(['top', 'bottom', 'both']).default('top'),
    seed: seedSchema.default(0),
  }),
  z.strictObject({ kind: z.literal('manual'), indices: z.array(z.int().nonnegative()).min(1) }),
]);

export const createForgetSetParams = z.strictObject({
  dataset: datasetRefSchema.default({}),
  name: z
    .string()
    .regex(/^[\w.-]+$/, 'may only hold letters, digits, ".", "_" and "-"')
    .optional(),
  generator: forgetGeneratorSchema,
  /** Also write it here (atomically), after checking it against the dataset. */
  file: absolutePath('file').optional(),
});
export const createForgetSetResult = z.object({
  forgetSet: ForgetSetSchema,
  file: z.string().nullable(),
  /** Points per class, indexed like the dataset's classNames. */
  perClass: z.array(z.int()),
});

export const validateForgetSetParams = z.strictObject({
  dataset: datasetRefSchema.default({}),
  forget: forgetSetSourceSchema,
});
export const validateForgetSetResult = z.object({
  valid: z.boolean(),
  /** Sentences a person can act on; empty when valid. */
  problems: z.array(z.string()),
  datasetId: z.string(),
  nTrain: z.int(),
  perClass: z.array(z.int()).nullable(),
});

export const readResultParams = z.strictObject({
  store: storeSchema,
  kind: kindSchema,
  key: keySchema,
  /** .npy arrays to return (names as in the manifest's `arrays`). */
  arrays: z.array(artifactFileSchema).max(64).default([]),
  /** Text files to return, e.g. summary.json. */
  files: z.array(artifactFileSchema).max(64).default([]),
});
export const npyPayloadSchema = z.object({
  dtype: z.string(),
  shape: z.array(z.int()),
  /** Base64 of the little-endian element bytes (no .npy header). */
  data: z.base64(),
});
export type NpyPayload = z.infer<typeof npyPayloadSchema>;
export const readResultResult = z.object({
  dir: z.string(),
  manifest: z.looseObject({ kind: z.string(), key: z.string(), createdAt: z.string() }),
  arrays: z.record(z.string(), npyPayloadSchema),
  files: z.record(z.string(), z.string()),
});

export const listResultsParams = z.strictObject({ store: storeSchema, kind: kindSchema.optional() });
export const listResultsResult = z.object({
  store: z.string(),
  artifacts: z.array(z.object({ kind: z.string(), key: z.string(), createdAt: z.string().nullable() })),
  /** Leftovers of writes whose process died, removed by this call (never complete artifacts). */
  sweptTemporaries: z.int(),
});

// ---------------------------------------------------------------------------------------------
// Jobs

export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobStateName = (typeof JOB_STATES)[number];
export const TERMINAL_JOB_STATES: readonly JobStateName[] = ['done', 'failed', 'cancelled'];

export const progressSchema = z.object({
  jobId: z.string(),
  /** `load-data`, `train`, `originals`, `oracles`, `oracles-floor`, `klom`, a linear-study method id, … */
  phase: z.string(),
  /** Steps within the phase. */
  step: z.int().nonnegative(),
  total: z.int().nonnegative(),
  /** Of the whole job, 0..1. */
  fraction: z.number().min(0).max(1),
  epoch: z.int().nonnegative().optional(),
  epochs: z.int().nonnegative().optional(),
  /** Mean over models of the last epoch's loss; null before the first epoch ends or when non-finite. */
  loss: maybeNumber,
  /** Of the whole job; null while unknown. */
  etaSeconds: maybeNumber,
  examplesPerSecond: maybeNumber.optional(),
  modelsDone: z.int().nonnegative().optional(),
  modelsTotal: z.int().nonnegative().optional(),
});
export type Progress = z.infer<typeof progressSchema>;

export const errorInfoSchema = z.object({ code: z.string(), message: z.string() });

export const jobInfoSchema = z.object({
  id: z.string(),
  method: z.string(),
  /** A short description for lists: "train mlp ×2 on fashion-mnist-subset". */
  label: z.string(),
  state: z.enum(JOB_STATES),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** 1-based place in the queue while queued, else null. */
  queuePosition: z.int().positive().nullable(),
  progress: progressSchema.nullable(),
  error: errorInfoSchema.nullable(),
});
export type JobInfo = z.infer<typeof jobInfoSchema>;

export const jobAcceptedSchema = z.object({ jobId: z.string(), job: jobInfoSchema });

export const listJobsParams = z.strictObject({});
export const listJobsResult = z.object({ jobs: z.array(jobInfoSchema) });
export const jobIdParams = z.strictObject({ jobId: z.string().min(1) });
/** `result` is present when the job is done; its shape is the job method's result schema. */
export const jobResultResult = z.object({ job: jobInfoSchema, result: z.unknown().optional() });
export const cancelResult = z.object({ job: jobInfoSchema });
export const shutdownParams = z.strictObject({});
export const shutdownResult = z.object({ cancelledJobs: z.array(z.string()) });

const recipeFields = {
  store: storeSchema,
  dataset: datasetRefSchema.default({}),
  model: modelSpecSchema,
  config: trainConfigSchema,
};

export const trainParams = z.strictObject({
  ...recipeFields,
  seeds: z.array(seedSchema).min(1).max(1000).default([0]),
  /** Train on the retain set of this forget set instead of every training point. */
  forget: forgetSetSourceSchema.optional(),
  saveWeights: z.boolean().default(true),
  force: z.boolean().default(false),
});
export const trainResult = z.object({
  key: z.string(),
  dir: z.string(),
  cached: z.boolean(),
  backend: z.string(),
  tfjsVersion: z.string(),
  datasetId: z.string(),
  seeds: z.array(z.int()),
  trainedOn: z.object({ count: z.int(), indexSet: z.string() }),
  trainAccuracy: z.array(maybeNumber),
  valAccuracy: z.array(maybeNumber),
  lossHistory: z.array(z.array(maybeNumber)),
  /** Per model: the epoch where its loss or weights became non-finite, else null. */
  divergedAtEpoch: z.array(z.int().nullable()),
  /** True when any model diverged: the run finished, but those models are not usable. */
  diverged: z.boolean(),
  seconds: maybeNumber,
  examplesPerSecond: maybeNumber,
});

export const trainEnsembleParams = z.strictObject({
  ...recipeFields,
  role: z.enum(ENSEMBLE_ROLES),
  n: ensembleSize,
  groupSize: z.int().positive().optional(),
  seedBase: seedSchema.optional(),
  /** Required for the oracle roles: they train on its retain set. */
  forget: forgetSetSourceSchema.optional(),
}).superRefine((v, ctx) => {
  if (v.role !== 'originals' && v.forget === undefined) ctx.addIssue({ code: 'custom', path: ['forget'], message: `the ${v.role} ensemble trains without the forget set, so it needs one` });
});
export const trainEnsembleResult = z.object({
  key: z.string(),
  dir: z.string(),
  cached: z.boolean(),
  role: z.enum(ENSEMBLE_ROLES),
  backend: z.string(),
  seeds: z.array(z.int()),
  groups: z.array(z.object({ seeds: z.array(z.int()), modelsKey: z.string() })),
  forget: z.object({ name: z.string(), indexSet: z.string(), size: z.int() }).nullable(),
  trainAccuracy: z.array(maybeNumber),
  valAccuracy: z.array(maybeNumber),
  divergedAtEpoch: z.array(z.int().nullable()),
  /** Models that diverged. */
  diverged: z.int(),
  seconds: maybeNumber,
});

const splitSummarySchema = z.looseObject({ n: z.int(), p95: maybeNumber, p99: maybeNumber, mean: maybeNumber });
export const klomReportSchema = z.object({
  forgetSet: z.string(),
  datasetId: z.string(),
  options: z.record(z.string(), z.unknown()).optional(),
  rows: z.array(
    z.looseObject({
      label: z.string(),
      nUnlearned: z.int(),
      nOracle: z.int(),
      summary: z.looseObject({
        forget: splitSummarySchema,
        retain: splitSummarySchema,
        validation: splitSummarySchema,
        headline: z.object({ p99: maybeNumber, p95: maybeNumber }),
      }),
      provenance: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    }),
  ),
});

export const evaluateParams = z.strictObject({
  ...recipeFields,
  n: ensembleSize,
  groupSize: z.int().positive().optional(),
  forget: forgetSetSourceSchema,
  klom: klomOptionsSchema.default({ binning: 'reference', direction: 'unlearned-oracle' }),
  preset: z.string().optional(),
});
export const evaluateResult = z.object({
  key: z.string(),
  dir: z.string(),
  backend: z.string(),
  report: klomReportSchema,
  ensembles: z.object({ originals: z.string(), oracles: z.string(), 'oracles-floor': z.string() }),
  seconds: z.record(z.string(), maybeNumber),
});

export const linearStudyParams = z.strictObject({
  store: storeSchema,
  settings: linearSettingsSchema.prefault({}),
});
export const linearStudyResult = z.object({
  key: z.string(),
  dir: z.string(),
  cached: z.boolean(),
  /** The study as written to result.json (curves per method, θ, θ_r, …). */
  result: z.looseObject({
    kind: z.literal('linear-study'),
    settingsHash: z.string(),
    lr: z.number(),
    methods: z.array(z.looseObject({ id: z.string(), name: z.string(), diverged: z.looseObject({ step: z.int(), reason: z.string() }).nullable() })),
  }),
});

const methodChoiceSchema = z.strictObject({ id: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() });

// TODO(issue: datamodels/unlearners/compare): these three mirror the engine modules being
// written in src/engine/attribution, src/engine/unlearn and src/engine/recipes/compare.ts.
// When they land, tighten the params to their own schemas and give the results real shapes.
export const estimateDatamodelsParams = z.strictObject({
  ...recipeFields,
  /** Subset models to train (M). */
  models: z.int().min(1).max(100_000),
  subsetFraction: z.number().gt(0).lt(1).default(0.5),
  groupSize: z.int().positive().optional(),
  seedBase: seedSchema.optional(),
});
export const runUnlearnersParams = z.strictObject({
  ...recipeFields,
  n: ensembleSize,
  groupSize: z.int().positive().optional(),
  forget: forgetSetSourceSchema,
  methods: z.array(methodChoiceSchema).min(1),
});
export const compareParams = z.strictObject({
  ...recipeFields,
  n: ensembleSize,
  groupSize: z.int().positive().optional(),
  forget: forgetSetSourceSchema,
  methods: z.array(methodChoiceSchema).min(1),
  klom: klomOptionsSchema.default({ binning: 'reference', direction: 'unlearned-oracle' }),
});
export const pendingModuleResult = z.looseObject({ key: z.string(), dir: z.string() });

// ---------------------------------------------------------------------------------------------
// Notifications (engine → host)

export const jobStateNotification = z.object({
  job: jobInfoSchema,
  /** The job's result, once, when it reaches `done`. */
  result: z.unknown().optional(),
});
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const logNotification = z.object({
  level: z.enum(LOG_LEVELS),
  message: z.string(),
  jobId: z.string().optional(),
});
