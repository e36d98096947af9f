/** Messages of the compare panel: the seed's Figure 2 (cost vs average KLoM) and its table. */
import { z } from 'zod';
import { exportedMessage, exportRequest, hostErrorMessage, maybeNumber, provenanceSchema, readyMessage } from './common';

const splitSummary = z.object({ n: z.int().min(0), p95: maybeNumber, p99: maybeNumber, mean: maybeNumber });

export const compareRowSchema = z.object({
  /** Unique within a snapshot: method and budget. */
  id: z.string().min(1).max(200),
  /** `do-nothing` and `noise-floor` are the reference rows, drawn as horizontal lines. */
  method: z.string().max(100),
  label: z.string().max(200),
  epochs: z.number().min(0),
  steps: z.int().min(0),
  /** Fraction of retraining one model on R (SPEC §3). */
  cost: z.number().min(0),
  /** OM: oracle retrainings its targets presuppose, shown beside its cost. */
  presupposedRetrainings: z.number().min(0).nullable(),
  /** DM-Direct / DMM: the one-off datamodel precomputation, reported separately. */
  precomputeCost: maybeNumber,
  nUnlearned: z.int().min(0),
  nOracle: z.int().min(0),
  forget: splitSummary,
  retain: splitSummary,
  validation: splitSummary,
  /** Means over the three splits: the method's headline numbers. */
  headline: z.object({ p95: maybeNumber, p99: maybeNumber }),
  accuracy: z.object({ forget: maybeNumber, retain: maybeNumber, validation: maybeNumber }),
  diverged: z.boolean(),
  divergedModels: z.int().min(0),
  datamodel: z.object({ lds: maybeNumber, ldsForget: maybeNumber, m: z.int().min(0), estimator: z.string().max(100) }).nullable(),
});
export type CompareRowWire = z.infer<typeof compareRowSchema>;

export const compareSnapshotSchema = z.object({
  title: z.string().max(300),
  provenance: provenanceSchema,
  rows: z.array(compareRowSchema).max(10_000),
});
export type CompareSnapshot = z.infer<typeof compareSnapshotSchema>;

export const compareToWebview = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('snapshot'), snapshot: compareSnapshotSchema.nullable(), message: z.string().max(1000).optional() }),
  exportedMessage,
  hostErrorMessage,
]);
export type CompareToWebview = z.infer<typeof compareToWebview>;

export const compareFromWebview = z.union([readyMessage, exportRequest, z.strictObject({ type: z.literal('openPerPoint'), rowId: z.string().min(1).max(200) })]);
export type CompareFromWebview = z.infer<typeof compareFromWebview>;

export const COMPARE_SORT_KEYS = [
  'label', 'cost', 'headline', 'forget', 'retain', 'validation', 'accForget', 'accRetain', 'accValidation',
] as const;
export type CompareSortKey = (typeof COMPARE_SORT_KEYS)[number];

export const compareStateSchema = z.object({
  percentile: z.enum(['p95', 'p99']).default('p99'),
  sortKey: z.enum(COMPARE_SORT_KEYS).default('headline'),
  sortDesc: z.boolean().default(false),
});
export type CompareState = z.infer<typeof compareStateSchema>;
