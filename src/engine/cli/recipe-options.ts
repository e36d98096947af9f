/**
 * The options that define a training recipe (data, model, optimiser, ensemble size), shared by
 * every command that trains. A preset fills in what the command line leaves out.
 */
import { Option, type Command } from 'commander';
import { loadDataset } from '../data/registry';
import type { Dataset } from '../data/dataset';
import { UnlearnError } from '../errors';
import { parseModelSpec, type ModelSpec } from '../models';
import { PRESET_NAMES, PRESETS, type Preset, type PresetName } from '../presets';
import { parseTrainConfig, type TrainConfig } from '../train/config';
import { parseIntOption, parseNumberOption } from './context';

export interface RecipeOptions {
  preset?: string;
  dataset?: string;
  trainSize?: number;
  valSize?: number;
  model?: string;
  hidden?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  momentum?: number;
  weightDecay?: number;
  schedule?: string;
  peakEpoch?: number;
  n?: number;
  groupSize?: number;
}

export interface Recipe {
  preset: Preset | undefined;
  dataset: Dataset;
  model: ModelSpec;
  config: TrainConfig;
  n: number;
  groupSize: number | undefined;
}

export function addRecipeOptions(cmd: Command, opts: { defaultPreset?: PresetName; ensemble: boolean }): Command {
  cmd
    .addOption(new Option('--preset <name>', 'experiment preset filling in unset options').choices(PRESET_NAMES as unknown as string[]).default(opts.defaultPreset))
    .option('-d, --dataset <spec>', 'dataset: a path, "fashion-mnist", or "embedded" (default)')
    .option('--train-size <n>', 'use the first n training points', parseIntOption('train-size'))
    .option('--val-size <n>', 'use the first n validation points', parseIntOption('val-size'))
    .option('-m, --model <kind>', 'logreg | mlp | cnn | resnet9')
    .option('--hidden <sizes>', 'MLP hidden layer sizes, comma-separated')
    .option('-e, --epochs <n>', 'training epochs', parseIntOption('epochs'))
    .option('-b, --batch-size <n>', 'minibatch size', parseIntOption('batch-size'))
    .option('--lr <rate>', 'learning rate', parseNumberOption('lr'))
    .option('--optimizer <name>', 'sgd | adam')
    .option('--momentum <m>', 'SGD momentum', parseNumberOption('momentum'))
    .option('--weight-decay <wd>', 'L2 weight decay', parseNumberOption('weight-decay'))
    .option('--schedule <kind>', 'constant | step | triangular | exponential')
    .option('--peak-epoch <e>', 'peak of the triangular schedule', parseNumberOption('peak-epoch'));
  if (opts.ensemble) {
    cmd
      .option('-n, --n <N>', 'models per ensemble (originals, oracles, noise-floor oracles)', parseIntOption('n'))
      .option('--group-size <K>', 'models trained together as one batched ensemble', parseIntOption('group-size'));
  }
  return cmd;
}

const FALLBACK: Omit<Preset, 'name' | 'description'> = {
  dataset: {},
  model: { kind: 'mlp', hidden: [256] },
  train: { optimizer: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, epochs: 10 },
  n: 1,
  forgetSize: 100,
};

function scheduleFrom(kind: string | undefined, epochs: number, peakEpoch: number | undefined, preset: unknown): unknown {
  switch (kind) {
    case undefined:
      return preset;
    case 'triangular':
      return { kind, peakEpoch: peakEpoch ?? Math.max(1, Math.round(epochs / 5)) };
    case 'step':
      return { kind, everyEpochs: Math.max(1, Math.round(epochs / 3)), gamma: 0.1 };
    case 'exponential':
      return { kind, gamma: 0.95 };
    default:
      return { kind };
  }
}

export async function resolveRecipe(o: RecipeOptions): Promise<Recipe> {
  const preset = o.preset ? PRESETS[o.preset as PresetName] : undefined;
  const p = preset ?? FALLBACK;
  let model: ModelSpec = p.model;
  if (o.model !== undefined || o.hidden !== undefined) {
    const kind = o.model ?? p.model.kind;
    const spec: Record<string, unknown> = { kind };
    if (o.hidden !== undefined) {
      if (kind !== 'mlp') throw new UnlearnError('bad-config', '--hidden applies to --model mlp only');
      spec.hidden = o.hidden.trim() === '' ? [] : o.hidden.split(',').map((s) => Number(s.trim()));
    } else if (kind === p.model.kind) {
      Object.assign(spec, p.model);
    }
    model = parseModelSpec(spec);
  }
  const epochs = o.epochs ?? p.train.epochs;
  const config = parseTrainConfig({
    ...p.train,
    ...(o.optimizer !== undefined && { optimizer: o.optimizer }),
    ...(o.lr !== undefined && { lr: o.lr }),
    ...(o.momentum !== undefined && { momentum: o.momentum }),
    ...(o.weightDecay !== undefined && { weightDecay: o.weightDecay }),
    ...(o.batchSize !== undefined && { batchSize: o.batchSize }),
    epochs,
    schedule: scheduleFrom(o.schedule, epochs, o.peakEpoch, p.train.schedule),
  });
  const dataset = await loadDataset(o.dataset ?? p.dataset.spec, { trainSize: o.trainSize ?? p.dataset.trainSize, valSize: o.valSize ?? p.dataset.valSize });
  const n = o.n ?? p.n;
  if (!Number.isInteger(n) || n < 1) throw new UnlearnError('bad-config', `-n must be a positive integer, got ${n}`);
  return { preset, dataset, model, config, n, groupSize: o.groupSize };
}

export function describeRecipe(r: Recipe): string {
  const m = r.model.kind === 'mlp' ? `mlp ${r.model.hidden.join('-')}` : r.model.kind;
  const c = r.config;
  return `${r.preset ? `preset ${r.preset.name}: ` : ''}${r.dataset.name} (${r.dataset.train.n} train / ${r.dataset.validation.n} val), ${m}, ${c.optimizer} lr ${c.lr}, batch ${c.batchSize}, ${c.epochs} epochs`;
}
