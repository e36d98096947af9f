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
import { METHOD_IDS, PLUGIN_ID_PATTERN, UNLEARN_PRESETS, UNLEARN_PRESET_NAMES, methodSettingsSchema } from '../engine/unlearn/settings';

export { ForgetSetSchema, linearSettingsSchema, modelSpecSchema, trainConfigSchema };

/** A number that JSON may have turned into null (NaN and ±Infinity have no JSON form). */
export const maybeNumber = z.number().nullable();

const absolutePath = (what: string) => z.string().min(1, `${what} must not be empty`).refine(isAbsolute, `${what} must be an absolute path`);

/** Plug-in unlearner modules (absolute paths). A host sends them only for a trusted workspace: a plug-in is code. */
export const pluginPathsSchema = z.array(absolutePath('plugin')).max(32).default([]);

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

/** The unlearning methods this engine can run: the built-ins, and the plug-ins whose modules are given. */
export const listUnlearnersParams = z.strictObject({ plugins: pluginPathsSchema });
export const unlearnerInfoSchema = z.object({
  id: z.string(),
  label: z.string(),
  kind: z.enum(['built-in', 'plugin']),
  description: z.string(),
  /** A plug-in's module; null for built-ins. */
  file: z.string().nullable(),
  /** A plug-in's budgets in epochs (built-ins take theirs from the unlearning preset); null for built-ins. */
  budgets: z.array(z.int()).nullable(),
});
export const listUnlearnersResult = z.object({ methods: z.array(unlearnerInfoSchema) });
export type UnlearnerInfo = z.infer<typeof unlearnerInfoSchema>;

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

// ---------------------------------------------------------------------------------------------
// Datamodels, unlearners and the cost-vs-KLoM comparison (src/engine/attribution, src/engine/unlearn,
// src/engine/recipes/compare.ts). The method ids, presets and settings schema are the engine's own
// (src/engine/unlearn/settings.ts imports zod only).

export { METHOD_IDS, UNLEARN_PRESET_NAMES };
export type UnlearnMethodId = (typeof METHOD_IDS)[number];
/** Datamodel estimators (src/engine/attribution/estimators.ts ESTIMATORS; checked at compile time in the engine). */
export const DATAMODEL_ESTIMATORS = ['ridge', 'lasso', 'diff-means'] as const;
/** Methods that train nothing, so they take no budgets. */
const NO_BUDGET_METHODS: readonly string[] = ['dm-direct', 'dm-direct-trak', 'retrain'];
/** TRAK datamodels run in `unlearn compare` only, not yet through the engine's RPC jobs. */
const CLI_ONLY_METHODS: readonly string[] = ['dm-direct-trak', 'dmm-trak'];
const USABLE_METHODS = METHOD_IDS.filter((m) => !CLI_ONLY_METHODS.includes(m));

export const methodIdSchema = z.enum(METHOD_IDS, { error: (iss) => `unknown method ${JSON.stringify(iss.input)} (known: ${USABLE_METHODS.join(', ')})` });
export const unlearnPresetSchema = z.enum(UNLEARN_PRESET_NAMES);

/** Budgets in epochs per method, replacing the preset's; each ≥ 1. */
const budgetListSchema = z
  .array(z.int('a budget is a whole number of epochs').min(1, 'a budget is a number of epochs and must be at least 1').max(100_000))
  .min(1, 'give at least one budget')
  .max(50);

type SettingsBlock = keyof typeof methodSettingsSchema.shape;
const SETTINGS_BLOCKS = Object.keys(methodSettingsSchema.shape) as SettingsBlock[];
/**
 * Per-method overrides of the unlearning preset, by settings block (`om` also serves `om-pm`,
 * `dmm` serves `dmm-trak`), e.g. `{ om: { numOracles: 3, lr: 1e-3 } }`. Checked against the preset
 * they amend: a field the block does not have, or a merged value out of range, is an error.
 */
const settingsOverridesSchema = z.partialRecord(z.enum(SETTINGS_BLOCKS), z.record(z.string(), z.unknown()));

/** Which settings block a method reads (`om-pm` reads `om`, `dmm-trak` reads `dmm`); none for dm-direct and retrain. */
function settingsBlockOf(m: UnlearnMethodId): SettingsBlock | undefined {
  if (m === 'om-pm') return 'om';
  if (m === 'dmm-trak') return 'dmm';
  return (SETTINGS_BLOCKS as readonly string[]).includes(m) ? (m as SettingsBlock) : undefined;
}

const methodObjectSchema = z.strictObject({ id: methodIdSchema, options: z.record(z.string(), z.unknown()).optional() });
/** A plug-in unlearner's id (types/unlearner-plugin.d.ts): valid only when its module is in `plugins`. */
const pluginMethodSchema = z.string().regex(PLUGIN_ID_PATTERN);
const methodEntrySchema = z.union([methodIdSchema, methodObjectSchema, pluginMethodSchema], {
  error: (iss) => {
    const v = iss.input;
    const id = typeof v === 'string' ? v : v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { id?: unknown }).id : undefined;
    if (typeof id === 'string' && !(METHOD_IDS as readonly string[]).includes(id)) return `unknown method ${JSON.stringify(id)} (known: ${USABLE_METHODS.join(', ')})`;
    return 'expected a method id such as "om", or { id, options }';
  },
});
type MethodEntry = z.output<typeof methodEntrySchema>;

/**
 * Method entries → built-in ids (each entry's options merged into the settings of its block) and
 * plug-in ids (`pluginMethods`, in order), the latter only when `plugins` names modules.
 */
function normalizeMethods<T extends { methods: MethodEntry[]; plugins: string[]; settings: Partial<Record<SettingsBlock, Record<string, unknown>>> }>(
  v: T,
  ctx: z.core.$RefinementCtx<T>,
): Omit<T, 'methods'> & { methods: UnlearnMethodId[]; pluginMethods: string[] } {
  const settings = { ...v.settings };
  const methods: UnlearnMethodId[] = [];
  const pluginMethods: string[] = [];
  v.methods.forEach((e, i) => {
    if (typeof e === 'string') {
      if ((METHOD_IDS as readonly string[]).includes(e)) methods.push(e as UnlearnMethodId);
      else if (v.plugins.length === 0) ctx.addIssue({ code: 'custom', path: ['methods', i], message: `unknown method ${JSON.stringify(e)} (known: ${USABLE_METHODS.join(', ')}; a plug-in's id needs its module in "plugins")`, input: e });
      else if (pluginMethods.includes(e)) ctx.addIssue({ code: 'custom', path: ['methods', i], message: `"${e}" is listed twice`, input: e });
      else pluginMethods.push(e);
      return;
    }
    if (e.options && Object.keys(e.options).length > 0) {
      const block = settingsBlockOf(e.id);
      if (!block) ctx.addIssue({ code: 'custom', path: ['methods', i, 'options'], message: `${e.id} has no settings`, input: e.options });
      else settings[block] = { ...settings[block], ...e.options };
    }
    methods.push(e.id);
  });
  return { ...v, methods, pluginMethods, settings };
}

const datamodelFields = {
  /** Subset models kept out of the fit for LDS (default max(10, round(0.1·M))). */
  heldOut: z.int().min(3).optional(),
  /** Fraction α of the training points each subset model sees. */
  subsetFraction: z.number().gt(0).lt(1).default(0.5),
  estimator: z.enum(DATAMODEL_ESTIMATORS).default('ridge'),
  /** Ridge λ relative to the kernel's mean diagonal, or `auto` (best held-out LDS). */
  lambda: z.union([z.number().positive().finite(), z.literal('auto')]).default('auto'),
  groupSize: z.int().positive().optional(),
  seedBase: seedSchema.optional(),
};

function checkHeldOut(models: number | undefined, heldOut: number | undefined, ctx: z.core.$RefinementCtx, path: PropertyKey[]): void {
  if (models === undefined) return;
  const h = heldOut ?? Math.max(10, Math.round(0.1 * models));
  if (models - h < 2) ctx.addIssue({ code: 'custom', path, message: `${models} subset models are too few: ${h} are held out for LDS and at least 2 must be fitted, so give at least ${h + 2} (or a smaller heldOut)` });
}

/** Datamodels of DM-Direct / DMM inside a comparison; `models` (M) defaults to the training points. */
export const datamodelOptionsSchema = z
  .strictObject({ models: z.int().min(5).max(100_000).optional(), ...datamodelFields })
  .superRefine((v, ctx) => checkHeldOut(v.models, v.heldOut, ctx, ['models']));

export const estimateDatamodelsParams = z
  .strictObject({
    ...recipeFields,
    /** Subset models to train (M), held-out ones included. */
    models: z.int().min(5).max(100_000),
    ...datamodelFields,
    /** Optional: also report the LDS over this forget set's points and the precomputation cost relative to its retain set. */
    forget: forgetSetSourceSchema.optional(),
  })
  .superRefine((v, ctx) => checkHeldOut(v.models, v.heldOut, ctx, ['models']));

const unlearnerFields = {
  ...recipeFields,
  /** Originals (and oracles per role) in the ensemble. */
  n: ensembleSize,
  groupSize: z.int().positive().optional(),
  forget: forgetSetSourceSchema,
  /** Method ids; `{ id, options }` is also taken, its options merged into `settings` of the method's block; a plug-in's id when `plugins` holds its module. */
  methods: z.array(methodEntrySchema).min(1).max(METHOD_IDS.length + 32),
  /** Plug-in unlearner modules, absolute paths; their ids may then appear in `methods`, and they run at their own budgets. */
  plugins: pluginPathsSchema,
  unlearnPreset: unlearnPresetSchema.default('workbench'),
  settings: settingsOverridesSchema.default({}),
  /** Budgets in epochs per method, replacing the preset's, e.g. `{ om: [5, 10, 20] }`. */
  budgets: z.partialRecord(methodIdSchema, budgetListSchema).default({}),
  /** For dm-direct / dmm. */
  datamodels: datamodelOptionsSchema.optional(),
};

interface UnlearnerFieldsOut {
  methods: UnlearnMethodId[];
  unlearnPreset: (typeof UNLEARN_PRESET_NAMES)[number];
  settings: Partial<Record<SettingsBlock, Record<string, unknown>>>;
  budgets: Partial<Record<UnlearnMethodId, number[]>>;
}

/** The checks that relate fields: unique methods, budgets only for methods that run and train, settings against the preset. */
function checkUnlearners(v: UnlearnerFieldsOut, ctx: z.core.$RefinementCtx): void {
  v.methods.forEach((m, i) => {
    if (CLI_ONLY_METHODS.includes(m)) ctx.addIssue({ code: 'custom', path: ['methods', i], message: `${m}: TRAK datamodels are not implemented yet in the panels and RPC jobs (the CLI's \`unlearn compare\` runs them); use ${m === 'dmm-trak' ? 'dmm' : 'dm-direct'}` });
    if (v.methods.indexOf(m) !== i) ctx.addIssue({ code: 'custom', path: ['methods', i], message: `"${m}" is listed twice` });
  });
  for (const [m, list] of Object.entries(v.budgets) as Array<[UnlearnMethodId, number[] | undefined]>) {
    if (!v.methods.includes(m)) ctx.addIssue({ code: 'custom', path: ['budgets', m], message: `"${m}" is not among the methods` });
    else if (NO_BUDGET_METHODS.includes(m)) ctx.addIssue({ code: 'custom', path: ['budgets', m], message: `${m} trains no epochs of its own, so it takes no budgets` });
    else if (list && new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', path: ['budgets', m], message: 'budgets must differ from each other' });
  }
  const base = UNLEARN_PRESETS[v.unlearnPreset];
  const merged: Record<string, unknown> = {};
  let unknownField = false;
  for (const block of SETTINGS_BLOCKS) {
    const o = v.settings[block] ?? {};
    const known = Object.keys((methodSettingsSchema.shape[block] as z.ZodObject).shape);
    for (const f of Object.keys(o)) {
      if (!known.includes(f)) {
        unknownField = true;
        ctx.addIssue({ code: 'custom', path: ['settings', block, f], message: `${block} has no setting "${f}" (known: ${known.join(', ')})` });
      }
    }
    merged[block] = { ...base[block], ...o };
  }
  if (unknownField) return;
  const r = methodSettingsSchema.safeParse(merged);
  if (!r.success) {
    for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['settings', ...i.path], message: i.message });
    return;
  }
  for (const block of SETTINGS_BLOCKS) {
    const b = r.data[block].budgets;
    if (b.some((x, i) => i > 0 && x <= b[i - 1])) ctx.addIssue({ code: 'custom', path: ['settings', block, 'budgets'], message: `must be strictly ascending, got [${b.join(', ')}]` });
  }
}

export const runUnlearnersParams = z.strictObject(unlearnerFields).transform(normalizeMethods).superRefine(checkUnlearners);

export const compareParams = z
  .strictObject({
    ...unlearnerFields,
    klom: klomOptionsSchema.default({ binning: 'reference', direction: 'unlearned-oracle' }),
    /** The recipe preset's name, for provenance. */
    preset: z.string().optional(),
  })
  .transform(normalizeMethods)
  .superRefine(checkUnlearners);

const accuracyBySplitSchema = z.object({ forget: maybeNumber, retain: maybeNumber, validation: maybeNumber });
const klomSplitSchema = z.object({ n: z.int(), p95: maybeNumber, p99: maybeNumber, mean: maybeNumber });
const lossTraceSchema = z.array(z.object({ epoch: z.int(), phase: z.string(), loss: maybeNumber }));

export const datamodelInfoSchema = z.object({
  key: z.string(),
  estimator: z.string(),
  /** Subset models in all (M) and those fitted on. */
  m: z.int(),
  mFit: z.int(),
  lambda: maybeNumber,
  /** Mean Spearman LDS over every target, and over the forget set's points. */
  lds: maybeNumber,
  ldsForget: maybeNumber,
  /** Calibration slope of actual on predicted margins (1 = right scale). */
  slope: maybeNumber,
  /** One-off precomputation, in retrainings of one model on R, and in seconds. */
  precomputeCost: maybeNumber,
  precomputeSeconds: maybeNumber,
});

export const COMPARE_ROW_KINDS = ['reference', 'unlearner'] as const;
/** One row of the comparison: a method at one budget, or a reference row. */
export const compareRowSchema = z.object({
  /** `<method>@<epochs>`: unique within a comparison. */
  id: z.string(),
  /** A method id, or `do-nothing` / `noise-floor`. */
  method: z.string(),
  kind: z.enum(COMPARE_ROW_KINDS),
  label: z.string(),
  /** Budget: epochs of unlearning and the optimiser steps they took (per model). */
  epochs: z.int(),
  steps: z.int(),
  /** Fraction of retraining one model on R (SPEC §3); the noise floor (= Retrain) is 1. */
  cost: z.number(),
  /** Examples processed per model (forward+backward 1, forward-only 1/3). */
  costExamples: z.number(),
  /** OM: the oracle retrainings its targets presuppose, per model; null otherwise. */
  presupposedRetrainings: z.int().nullable(),
  /** OM: the ensemble its targets came from. */
  targetsFrom: z.string().nullable(),
  nUnlearned: z.int(),
  nOracle: z.int(),
  forget: klomSplitSchema,
  retain: klomSplitSchema,
  validation: klomSplitSchema,
  /** Averages over the three splits: avg p99 is the headline. */
  headline: z.object({ p99: maybeNumber, p95: maybeNumber }),
  /** Mean accuracy of the unlearned models on F / R / V. */
  accuracy: accuracyBySplitSchema,
  diverged: z.boolean(),
  /** Which models diverged and at which (0-based) epoch (null: non-finite outputs only). */
  divergedModels: z.array(z.object({ model: z.int(), epoch: z.int().nullable() })),
  /** DM-Direct / DMM: the datamodels used (LDS, M, precomputation cost); null otherwise. */
  datamodel: datamodelInfoSchema.nullable(),
  /** A plug-in unlearner's row: its module and the SHA-256 of that file; null for built-in and reference rows. */
  plugin: z.object({ file: z.string(), sha256: z.string() }).nullable(),
  lossTrace: lossTraceSchema,
  /** Per-point KLoM file in the artifact (float64 [P]). */
  klomFile: z.string(),
  seconds: maybeNumber,
});
export type CompareRowResult = z.infer<typeof compareRowSchema>;

export const compareResult = z.object({
  key: z.string(),
  dir: z.string(),
  cached: z.boolean(),
  forgetSet: z.string(),
  forgetSize: z.int(),
  /** Models per ensemble (N). */
  n: z.int(),
  backend: z.string(),
  /** Seed ranges, e.g. "0..99". */
  seeds: z.object({ originals: z.string(), oracles: z.string(), floor: z.string() }),
  /** The recipe preset's name, when given. */
  preset: z.string().nullable(),
  unlearnPreset: unlearnPresetSchema,
  /** The method settings used (preset + overrides). */
  settings: z.record(z.string(), z.unknown()),
  originalsAccuracy: z.object({ train: maybeNumber, val: maybeNumber }),
  doNothing: compareRowSchema,
  noiseFloor: compareRowSchema,
  /** Every method × budget, in the order of `methods`, budgets ascending. */
  rows: z.array(compareRowSchema),
  datamodels: datamodelInfoSchema.nullable(),
  /** Wall time per phase. */
  seconds: z.record(z.string(), maybeNumber),
  /** Absolute paths of the exports in the artifact. */
  files: z.object({ summaryJson: z.string(), summaryCsv: z.string(), figure2Csv: z.string(), figure2Json: z.string() }),
});

export const estimateDatamodelsResult = z.object({
  key: z.string(),
  dir: z.string(),
  cached: z.boolean(),
  backend: z.string(),
  estimator: z.enum(DATAMODEL_ESTIMATORS),
  m: z.int(),
  mFit: z.int(),
  heldOut: z.int(),
  alpha: z.number(),
  lambda: maybeNumber,
  lambdaSearch: z.array(z.object({ lambda: z.number(), lds: maybeNumber })),
  /** Held-out quality: mean Spearman LDS over every target, training and validation targets, and the calibration slope. */
  lds: maybeNumber,
  ldsTrain: maybeNumber,
  ldsVal: maybeNumber,
  /** Over the forget set's points; null without `forget`. */
  ldsForget: maybeNumber,
  slope: maybeNumber,
  subsetTrainAccuracy: maybeNumber,
  subsetValAccuracy: maybeNumber,
  /** Examples processed training the subset models, and that in retrainings of one model (on R with `forget`, else on every training point). */
  precomputeExamples: z.number(),
  precomputeCost: maybeNumber,
  seconds: z.object({ training: maybeNumber, fit: maybeNumber }),
  /** [n_train × P × C] float32, P = train + validation points. */
  betaShape: z.array(z.int()),
});

const unlearnedModelSchema = z.object({
  /** Row in the originals ensemble. */
  model: z.int(),
  seed: z.int(),
  accuracy: accuracyBySplitSchema,
  /** 0-based epoch where the model's loss, weights or outputs became non-finite, else null. */
  divergedAtEpoch: z.int().nullable(),
});
export const runUnlearnersResult = z.object({
  key: z.string(),
  dir: z.string(),
  cached: z.boolean(),
  backend: z.string(),
  forgetSet: z.string(),
  forgetSize: z.int(),
  n: z.int(),
  unlearnPreset: unlearnPresetSchema,
  settings: z.record(z.string(), z.unknown()),
  originals: z.object({ key: z.string(), seeds: z.array(z.int()), accuracy: accuracyBySplitSchema }),
  datamodels: datamodelInfoSchema.nullable(),
  methods: z.array(
    z.object({
      /** A built-in method id or a plug-in's. */
      method: z.union([methodIdSchema, pluginMethodSchema]),
      label: z.string(),
      presupposedRetrainings: z.int().nullable(),
      seconds: maybeNumber,
      budgets: z.array(
        z.object({
          epochs: z.int(),
          steps: z.int(),
          cost: z.number(),
          costExamples: z.number(),
          /** Mean over models. */
          accuracy: accuracyBySplitSchema,
          diverged: z.boolean(),
          lossTrace: lossTraceSchema,
          /** Margins of the unlearned models, float32 [N × P], in the artifact. */
          marginsFile: z.string(),
          models: z.array(unlearnedModelSchema),
        }),
      ),
    }),
  ),
});

/** A comparison: its key, or the absolute path of its folder in the store. */
const comparisonRefSchema = z.union([keySchema, absolutePath('comparison')], { error: 'must be a comparison key or the absolute path of its folder' });
/** A row of a comparison: method (or `do-nothing` / `noise-floor`) and budget in epochs (optional when the method has one row). */
const comparisonRowRefFields = {
  store: storeSchema,
  comparison: comparisonRefSchema,
  method: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a method id such as "om", or "do-nothing" / "noise-floor"'),
  budget: z.int().nonnegative().optional(),
};
/** Codes of `split` in perPointKlom. */
export const POINT_SPLITS = ['forget', 'retain', 'validation'] as const;

export const perPointKlomParams = z.strictObject(comparisonRowRefFields);
export const perPointKlomResult = z.object({
  comparison: z.string(),
  dir: z.string(),
  row: compareRowSchema,
  /** P = nTrain + nVal points: [training points…, validation points…]. */
  points: z.int(),
  nTrain: z.int(),
  nVal: z.int(),
  /** Base64 of P float64 per-point KLoM values. */
  klom: z.base64(),
  /** Base64 of P uint8 split codes: index into POINT_SPLITS (0 forget, 1 retain, 2 validation). */
  split: z.base64(),
  /** Training indices of the forget set. */
  forget: z.array(z.int()),
});

export const pointMarginsParams = z.strictObject({ ...comparisonRowRefFields, point: z.int().nonnegative() });
export const pointMarginsResult = z.object({
  comparison: z.string(),
  method: z.string(),
  epochs: z.int(),
  point: z.int(),
  split: z.enum(POINT_SPLITS),
  klom: maybeNumber,
  /** Base64 of float32 margins of this point under each unlearned model (N) and each evaluation oracle; non-finite for diverged models. */
  unlearned: z.base64(),
  oracle: z.base64(),
  nUnlearned: z.int(),
  nOracle: z.int(),
  /** Models whose margins KLoM replaced (diverged), by row. */
  unlearnedDiverged: z.array(z.int()),
  oracleDiverged: z.array(z.int()),
});

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
