/** Messages of the per-point KLoM panel: histograms per split and method, and one point's detail. */
import { z } from 'zod';
import { float32Array, hostErrorMessage, index, indexList, maybeNumber, provenanceSchema, readyMessage, uint8Array } from './common';

export const KLOM_SPLITS = ['forget', 'retain', 'validation'] as const;
export type KlomSplit = (typeof KLOM_SPLITS)[number];

export const perPointMethodSchema = z.object({
  id: z.string().min(1).max(200),
  label: z.string().max(200),
  /** Per-point KLoM over [training points…, validation points…]; NaN where a point was not scored. */
  klom: float32Array,
  diverged: z.boolean(),
});
export type PerPointMethod = z.infer<typeof perPointMethodSchema>;

export const perPointSnapshotSchema = z.object({
  provenance: provenanceSchema,
  nTrain: z.int().min(0),
  nValidation: z.int().min(0),
  /** Training indices of F. */
  forget: indexList,
  /** Training indices of the scored retain points (all of R, or its seeded sample of 10,000). */
  retain: indexList,
  classNames: z.array(z.string().max(200)).max(10_000),
  /** Labels over [training…, validation…]. */
  labels: z.array(z.int().min(0)).max(10_000_000),
  methods: z.array(perPointMethodSchema).min(1).max(100),
});
export type PerPointSnapshot = z.infer<typeof perPointSnapshotSchema>;

export const pointDetailSchema = z.object({
  /** Over [training…, validation…]. */
  index,
  split: z.enum(KLOM_SPLITS),
  label: z.int().min(0),
  image: z.object({ shape: z.tuple([z.int().min(1).max(256), z.int().min(1).max(256), z.union([z.literal(1), z.literal(3)])]), pixels: uint8Array }).nullable(),
  /** KLoM of this point under every method of the snapshot. */
  klom: z.array(z.object({ methodId: z.string().max(200), value: maybeNumber })).max(100),
  /** Raw margins (before clipping) of the N unlearned and N oracle models, for the requested methods. */
  margins: z.array(z.object({ methodId: z.string().max(200), unlearned: float32Array, oracle: float32Array })).max(10),
});
export type PointDetail = z.infer<typeof pointDetailSchema>;

export const perPointToWebview = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('snapshot'), snapshot: perPointSnapshotSchema.nullable(), message: z.string().max(1000).optional() }),
  z.strictObject({ type: z.literal('point'), detail: pointDetailSchema }),
  hostErrorMessage,
]);
export type PerPointToWebview = z.infer<typeof perPointToWebview>;

export const perPointFromWebview = z.discriminatedUnion('type', [
  readyMessage,
  z.strictObject({ type: z.literal('requestPoint'), index, methods: z.array(z.string().min(1).max(200)).min(1).max(2) }),
]);
export type PerPointFromWebview = z.infer<typeof perPointFromWebview>;

export const perPointStateSchema = z.object({
  methodA: z.string().max(200).nullable().default(null),
  methodB: z.string().max(200).nullable().default(null),
  /** The bar whose points are listed. */
  bar: z.object({ split: z.enum(KLOM_SPLITS), method: z.enum(['a', 'b']), bin: z.int().min(0) }).nullable().default(null),
  point: index.nullable().default(null),
});
export type PerPointState = z.infer<typeof perPointStateSchema>;
