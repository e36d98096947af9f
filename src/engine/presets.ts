/**
 * Named experiment presets (SPEC §8). Every value stays a setting; a preset only fills in the
 * ones a person did not give.
 *   quick     — the README's main job: ~1,000 training and 1,000 validation points, a small MLP
 *               trained to ≥ 95% training accuracy so the forget set matters, N = 100.
 *   workbench — the same data scale with more models per ensemble: the Figure 2 reproduction.
 *   paper     — the authors' hyper-parameters: ResNet-9 with the triangular schedule, for
 *               CIFAR-10 on a fast backend.
 */
import type { ModelSpec } from './models';
import type { TrainConfigInput } from './train/config';

export const PRESET_NAMES = ['quick', 'workbench', 'paper'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preset {
  name: PresetName;
  description: string;
  dataset: { spec?: string; trainSize?: number; valSize?: number };
  model: ModelSpec;
  train: TrainConfigInput;
  /** Models per ensemble (originals, oracles, and the noise-floor oracles each). */
  n: number;
  forgetSize: number;
}

export const PRESETS: Record<PresetName, Preset> = {
  quick: {
    name: 'quick',
    description: 'embedded Fashion-MNIST, first 1,000 train / 1,000 validation points, MLP 784-64-10, N = 100',
    dataset: { trainSize: 1000, valSize: 1000 },
    model: { kind: 'mlp', hidden: [64] },
    train: { optimizer: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, epochs: 30 },
    n: 100,
    forgetSize: 100,
  },
  workbench: {
    name: 'workbench',
    description: 'embedded Fashion-MNIST, first 1,000 train / 1,000 validation points, MLP 784-256-10, N = 100',
    dataset: { trainSize: 1000, valSize: 1000 },
    model: { kind: 'mlp', hidden: [256] },
    train: { optimizer: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, epochs: 40 },
    n: 100,
    forgetSize: 100,
  },
  paper: {
    name: 'paper',
    description: "the authors' recipe: ResNet-9, SGD lr 0.4 with a triangular schedule peaking at epoch 5, batch 512, 24 epochs",
    dataset: {},
    model: { kind: 'resnet9', width: 64 },
    train: { optimizer: 'sgd', lr: 0.4, momentum: 0.9, weightDecay: 5e-4, batchSize: 512, epochs: 24, schedule: { kind: 'triangular', peakEpoch: 5 } },
    n: 100,
    forgetSize: 1000,
  },
};
