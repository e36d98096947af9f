/**
 * Experiment files (`*.experiment.json` in the workspace): what a person sets up once — data,
 * model, training, ensemble size, forget sets, methods — and every command then works from.
 * The JSON Schema contributed to VS Code is generated from this (media/schemas).
 */
import { z } from 'zod';
import { modelSpecSchema } from '../engine/models/types';
import { trainConfigSchema } from '../engine/train/config';
import { PLUGIN_ID_PATTERN } from '../engine/unlearn/settings';

export const METHOD_NAMES = ['gd', 'ga', 'gdga', 'neggrad-plus', 'scrub', 'om', 'om-pm', 'dm-direct', 'dmm', 'retrain'] as const;

export const experimentSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1).describe('File format version.'),
  name: z.string().regex(/^[\w.-]+$/, 'may only hold letters, digits, ".", "_" and "-"').describe('Name shown in the side bar.'),
  preset: z.enum(['quick', 'workbench', 'paper']).default('quick').describe('Experiment preset: fills in every setting not given here.'),
  dataset: z
    .strictObject({
      spec: z.string().optional().describe('"embedded" (default), "fashion-mnist", or a path relative to the workspace.'),
      trainSize: z.int().positive().optional().describe('Use the first n training points.'),
      valSize: z.int().positive().optional().describe('Use the first n validation points.'),
    })
    .default({}),
  model: modelSpecSchema.optional().describe('Model; the preset\'s when absent.'),
  train: trainConfigSchema.partial().optional().describe('Training settings overriding the preset\'s.'),
  n: z.int().min(1).max(10_000).optional().describe('Models per ensemble (originals, oracles, noise-floor oracles). Results use N ≥ 80.'),
  forgetSets: z.array(z.string()).default([]).describe('Forget-set files (*.forget.json), relative to the workspace.'),
  methods: z
    .array(z.union([z.enum(METHOD_NAMES), z.string().regex(PLUGIN_ID_PATTERN, 'must be a built-in method or a plug-in unlearner\'s id (lower-case letters, digits, "-")')]))
    .default(['gd', 'ga', 'scrub', 'om', 'dmm'])
    .describe('Unlearners to compare: built-in methods, or the id of a plug-in unlearner whose module is in the "unlearn.plugins" setting.'),
  datamodels: z
    .strictObject({
      models: z.int().min(12).max(100_000).optional().describe('Subset models M (default: as many as training points). Print LDS beside every datamodel result: small M gives weak datamodels.'),
      estimator: z.enum(['ridge', 'lasso', 'diff-means']).optional(),
    })
    .optional()
    .describe('Datamodel estimation for DM-Direct and DMM.'),
});
export type Experiment = z.infer<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;

export function parseExperiment(text: string, file: string): Experiment {
  // An empty file is most often one still being written, or cut short by a crash.
  if (text.trim() === '') throw new Error(`${file}: the file is empty`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const r = experimentSchema.safeParse(json);
  if (!r.success) throw new Error(`${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  return r.data;
}
