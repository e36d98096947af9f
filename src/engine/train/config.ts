/** Training hyper-parameters, validated once at the boundary so bad values fail with a clear message. */
import { z } from 'zod';
import { UnlearnError } from '../errors';

export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }),
  /** lr × gamma every `everyEpochs` epochs. */
  z.object({ kind: z.literal('step'), everyEpochs: z.number().int().positive(), gamma: z.number().positive().max(1) }),
  /** The ResNet-9 recipe: linear from 0 up to lr at `peakEpoch`, then linear down to 0 at the end (per step). */
  z.object({ kind: z.literal('triangular'), peakEpoch: z.number().nonnegative() }),
  /** lr × gamma after every epoch (OM's ×0.95 in SPEC §4). */
  z.object({ kind: z.literal('exponential'), gamma: z.number().positive().max(1) }),
]);
export type Schedule = z.infer<typeof scheduleSchema>;

export const trainConfigSchema = z.object({
  optimizer: z.enum(['sgd', 'adam']).default('sgd'),
  lr: z.number().positive().finite(),
  momentum: z.number().min(0).lt(1).default(0.9),
  weightDecay: z.number().min(0).default(5e-4),
  batchSize: z.number().int().positive(),
  epochs: z.number().int().positive(),
  schedule: scheduleSchema.default({ kind: 'constant' }),
});
export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export function parseTrainConfig(value: unknown): TrainConfig {
  const r = trainConfigSchema.safeParse(value);
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new UnlearnError('bad-config', `invalid training config: ${detail}`);
  }
  return r.data;
}

/** Learning rate at a given step: schedules are defined per epoch, the triangular one per step. */
export function learningRate(cfg: TrainConfig, epoch: number, stepInEpoch: number, stepsPerEpoch: number): number {
  const s = cfg.schedule;
  switch (s.kind) {
    case 'constant':
      return cfg.lr;
    case 'step':
      return cfg.lr * Math.pow(s.gamma, Math.floor(epoch / s.everyEpochs));
    case 'exponential':
      return cfg.lr * Math.pow(s.gamma, epoch);
    case 'triangular': {
      const t = epoch + stepInEpoch / stepsPerEpoch;
      const peak = Math.min(s.peakEpoch, cfg.epochs);
      if (t <= peak && peak > 0) return (cfg.lr * t) / peak;
      const rest = cfg.epochs - peak;
      return rest > 0 ? cfg.lr * Math.max(0, (cfg.epochs - t) / rest) : cfg.lr;
    }
  }
}
