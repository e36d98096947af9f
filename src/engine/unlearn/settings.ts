/**
 * Unlearning methods and their settings (SPEC §4, §4a). Two named presets: `workbench` (the
 * default, budgets of tens to hundreds of optimiser steps at a few thousand points) and `paper`
 * (the authors' values, made for CIFAR-10 and ResNet-9). Every value stays a setting: a
 * preset only fills in what the caller leaves out.
 */
import { z } from 'zod';
import { UnlearnError } from '../errors';
import { scheduleSchema } from '../train/config';

export const METHOD_IDS = ['gd', 'ga', 'gdga', 'neggrad-plus', 'scrub', 'om', 'om-pm', 'dm-direct', 'dmm', 'dm-direct-trak', 'dmm-trak', 'retrain'] as const;
export type MethodId = (typeof METHOD_IDS)[number];
/** The shape of a plug-in unlearner's id (types/unlearner-plugin.d.ts); it must not be a MethodId. */
export const PLUGIN_ID_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

export const METHOD_LABELS: Record<MethodId, string> = {
  gd: 'GD',
  ga: 'GA',
  gdga: 'GD+GA',
  'neggrad-plus': 'NegGrad+',
  scrub: 'SCRUB',
  om: 'OM',
  'om-pm': 'OM (per-model)',
  'dm-direct': 'DM-Direct',
  dmm: 'DMM',
  'dm-direct-trak': 'DM-Direct (TRAK)',
  'dmm-trak': 'DMM (TRAK)',
  retrain: 'Retrain',
};

/** The optimiser part of a method's settings; `budgets` are epochs, run as checkpoints of one run. */
const optimSchema = z.object({
  optimizer: z.enum(['sgd', 'adam']),
  lr: z.number().positive().finite(),
  momentum: z.number().min(0).lt(1).default(0.9),
  weightDecay: z.number().min(0).default(5e-4),
  batchSize: z.number().int().positive(),
  schedule: scheduleSchema.default({ kind: 'constant' }),
  /** Budgets in epochs, ascending; the largest is run and the others are read off on the way. */
  budgets: z.array(z.number().int().positive()).min(1),
});

export const methodSettingsSchema = z.object({
  gd: optimSchema,
  ga: optimSchema,
  gdga: optimSchema.extend({
    /** Epochs (from the first) that start with one ascent pass over F. */
    ascentEpochs: z.number().int().nonnegative().default(1),
    /** Batch size of the ascent passes (the descent passes use `batchSize`). */
    forgetBatchSize: z.number().int().positive().optional(),
  }),
  'neggrad-plus': optimSchema.extend({ beta: z.number().min(0).max(1).default(0.999) }),
  scrub: optimSchema.extend({
    /** Epochs (from the first) that make a max-pass over F before their min-pass over R. */
    maxSteps: z.number().int().nonnegative().default(2),
    forgetBatchSize: z.number().int().positive().default(32),
    temperature: z.number().positive().default(4),
    alpha: z.number().min(0).default(0.1),
    gamma: z.number().min(0).default(0.99),
  }),
  om: optimSchema.extend({
    forgetRepeat: z.number().int().positive().default(1),
    retainMultiplier: z.number().nonnegative().default(3),
    numOracles: z.number().int().positive().default(10),
    target: z.enum(['mean', 'per-model']).default('mean'),
  }),
  dmm: optimSchema.extend({
    forgetRepeat: z.number().int().positive().default(1),
    retainMultiplier: z.number().nonnegative().default(3),
  }),
});
export type MethodSettings = z.infer<typeof methodSettingsSchema>;
export type MethodSettingsInput = z.input<typeof methodSettingsSchema>;
export type OptimSettings = z.infer<typeof optimSchema>;

export const UNLEARN_PRESET_NAMES = ['workbench', 'paper'] as const;
export type UnlearnPresetName = (typeof UNLEARN_PRESET_NAMES)[number];

export const UNLEARN_PRESETS: Record<UnlearnPresetName, MethodSettingsInput> = {
  // §4a: batch 64 everywhere so that |F| = 100 gives a few steps per epoch and the budgets
  // reach tens to hundreds of steps; OM/DMM with Adam lr 1e-3, GD with SGD lr 1e-2.
  workbench: {
    gd: { optimizer: 'sgd', lr: 1e-2, batchSize: 64, budgets: [2, 5, 10] },
    ga: { optimizer: 'sgd', lr: 1e-3, batchSize: 32, budgets: [1, 3, 5] },
    gdga: { optimizer: 'sgd', lr: 1e-2, batchSize: 64, ascentEpochs: 1, forgetBatchSize: 32, budgets: [2, 5, 10] },
    'neggrad-plus': { optimizer: 'sgd', lr: 1e-2, batchSize: 64, beta: 0.999, budgets: [2, 5, 10] },
    scrub: { optimizer: 'sgd', lr: 1e-2, batchSize: 64, forgetBatchSize: 32, maxSteps: 2, budgets: [2, 5, 10] },
    om: { optimizer: 'adam', lr: 1e-3, weightDecay: 0, batchSize: 64, forgetRepeat: 1, retainMultiplier: 3, numOracles: 10, budgets: [5, 10, 20] },
    dmm: { optimizer: 'adam', lr: 1e-3, weightDecay: 0, batchSize: 64, forgetRepeat: 1, retainMultiplier: 3, budgets: [5, 10, 20] },
  },
  // §4: the authors' values. OM's ×0.95 per epoch is the exponential schedule.
  paper: {
    gd: { optimizer: 'sgd', lr: 1e-3, batchSize: 64, budgets: [1, 3, 5] },
    ga: { optimizer: 'sgd', lr: 1e-5, batchSize: 32, budgets: [1, 3, 5] },
    gdga: { optimizer: 'sgd', lr: 1e-3, batchSize: 64, ascentEpochs: 1, forgetBatchSize: 32, budgets: [1, 3, 5] },
    'neggrad-plus': { optimizer: 'sgd', lr: 1e-3, batchSize: 64, beta: 0.999, budgets: [1, 3, 5] },
    scrub: { optimizer: 'sgd', lr: 5e-4, batchSize: 64, forgetBatchSize: 32, maxSteps: 2, budgets: [1, 3, 5] },
    om: { optimizer: 'adam', lr: 5e-4, weightDecay: 0, batchSize: 512, schedule: { kind: 'exponential', gamma: 0.95 }, forgetRepeat: 1, retainMultiplier: 3, numOracles: 10, budgets: [1, 3, 5] },
    dmm: { optimizer: 'adam', lr: 1e-4, weightDecay: 0, batchSize: 512, forgetRepeat: 5, retainMultiplier: 20, budgets: [1, 2, 4] },
  },
};

/** Deep-enough merge: per-method objects are merged field by field. */
export type MethodSettingsOverrides = { [M in keyof MethodSettingsInput]?: Partial<MethodSettingsInput[M]> };

export function resolveMethodSettings(preset: UnlearnPresetName = 'workbench', overrides: MethodSettingsOverrides = {}): MethodSettings {
  const base = UNLEARN_PRESETS[preset];
  if (!base) throw new UnlearnError('bad-config', `unknown unlearning preset "${String(preset)}" (known: ${UNLEARN_PRESET_NAMES.join(', ')})`);
  const merged: Record<string, unknown> = {};
  for (const k of Object.keys(base) as Array<keyof MethodSettingsInput>) merged[k] = { ...base[k], ...(overrides[k] ?? {}) };
  const r = methodSettingsSchema.safeParse(merged);
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new UnlearnError('bad-config', `invalid unlearning settings: ${detail}`);
  }
  for (const [name, s] of Object.entries(r.data)) {
    const b = (s as OptimSettings).budgets;
    for (let i = 1; i < b.length; i++) if (b[i] <= b[i - 1]) throw new UnlearnError('bad-config', `${name}.budgets must be strictly ascending, got [${b.join(', ')}]`);
  }
  return r.data;
}

export function parseMethodList(value: string): MethodId[] {
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) throw new UnlearnError('bad-config', '--methods is empty');
  for (const id of ids) if (!(METHOD_IDS as readonly string[]).includes(id)) throw new UnlearnError('bad-config', `unknown method "${id}" (known: ${METHOD_IDS.join(', ')})`);
  return [...new Set(ids)] as MethodId[];
}

/** Which settings block a method id reads. */
export function settingsFor(settings: MethodSettings, id: MethodId): OptimSettings | undefined {
  switch (id) {
    case 'gd':
    case 'ga':
    case 'gdga':
    case 'neggrad-plus':
    case 'scrub':
    case 'om':
    case 'dmm':
      return settings[id];
    case 'om-pm':
      return settings.om;
    case 'dmm-trak':
      return settings.dmm;
    case 'dm-direct':
    case 'dm-direct-trak':
    case 'retrain':
      return undefined;
  }
}
