/** Messages of the forget-set panel: browse the training set, select points, save a named set. */
import { z } from 'zod';
import { hostErrorMessage, index, indexList, readyMessage, uint8Array } from './common';

/** Thumbnails are fetched in pages as the grid scrolls; the engine serves at most 2000 a request. */
export const THUMBNAIL_PAGE = 1000;

export const forgetSetNameSchema = z
  .string()
  .trim()
  .min(1, 'give the set a name')
  .max(80, 'at most 80 characters')
  .regex(/^[A-Za-z0-9][\w.\- ]*$/, 'letters, digits, space, dot, dash and underscore; start with a letter or digit');

export const savedSetSchema = z.object({
  name: z.string().max(200),
  size: z.int().min(0),
  kind: z.string().max(60),
  createdAt: z.string().max(60),
});
export type SavedSetInfo = z.infer<typeof savedSetSchema>;

export const datasetInfoSchema = z.object({
  id: z.string().max(200),
  name: z.string().max(200),
  /** Training points. */
  total: z.int().min(0).max(10_000_000),
  /** [H, W, C], C = 1 (grayscale) or 3 (RGB); the grid draws C = 1 and C = 3 only. */
  shape: z.tuple([z.int().min(1).max(256), z.int().min(1).max(256), z.union([z.literal(1), z.literal(3)])]),
  classNames: z.array(z.string().max(200)).max(10_000),
  /** One label per training point. */
  labels: z.array(z.int().min(0)).max(10_000_000),
});
export type DatasetInfo = z.infer<typeof datasetInfoSchema>;

export const forgetSetSnapshotSchema = z.object({
  dataset: datasetInfoSchema,
  savedSets: z.array(savedSetSchema).max(10_000),
  /** Whether datamodels exist, so "top of a principal component" can be offered. */
  hasDatamodels: z.boolean(),
});
export type ForgetSetSnapshot = z.infer<typeof forgetSetSnapshotSchema>;

/** Which button asked: the host's answer carries it back so the webview can say what it got. */
export const selectionSourceSchema = z.enum(['random', 'class', 'nearest', 'principal', 'saved']);

export const forgetSetToWebview = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('snapshot'), snapshot: forgetSetSnapshotSchema }),
  /** count × H × W × C bytes (HWC), for training points offset … offset + count − 1. */
  z.strictObject({ type: z.literal('thumbnails'), offset: index, count: z.int().min(0).max(5000), pixels: uint8Array }),
  z.strictObject({
    type: z.literal('selection'),
    requestId: z.int().min(0),
    source: selectionSourceSchema,
    /** Replaces the selection (the webview's "add" toggle may merge it instead). */
    indices: indexList,
    description: z.string().max(500),
  }),
  z.strictObject({ type: z.literal('savedSets'), sets: z.array(savedSetSchema).max(10_000) }),
  /** The points of a saved set, shown outlined in the grid. */
  z.strictObject({ type: z.literal('setContents'), name: z.string().max(200), indices: indexList }),
  z.strictObject({ type: z.literal('saved'), name: z.string().max(200), path: z.string().max(4000) }),
  hostErrorMessage,
]);
export type ForgetSetToWebview = z.infer<typeof forgetSetToWebview>;

export const forgetSetFromWebview = z.discriminatedUnion('type', [
  readyMessage,
  z.strictObject({ type: z.literal('requestThumbnails'), offset: index, count: z.int().min(1).max(2000) }),
  z.strictObject({ type: z.literal('requestRandom'), requestId: z.int().min(0), k: z.int().min(1).max(10_000_000), seed: z.int().min(0).max(2 ** 31 - 1), classFilter: z.int().min(0).nullable() }),
  z.strictObject({ type: z.literal('requestClass'), requestId: z.int().min(0), class: z.int().min(0) }),
  z.strictObject({ type: z.literal('requestNearest'), requestId: z.int().min(0), anchor: index, k: z.int().min(1).max(100_000) }),
  z.strictObject({ type: z.literal('requestPrincipal'), requestId: z.int().min(0), component: z.int().min(0).max(1000), k: z.int().min(1).max(100_000), side: z.enum(['top', 'bottom']) }),
  z.strictObject({ type: z.literal('saveForgetSet'), name: forgetSetNameSchema, indices: indexList.min(1) }),
  z.strictObject({ type: z.literal('showSet'), name: z.string().min(1).max(200) }),
]);
export type ForgetSetFromWebview = z.infer<typeof forgetSetFromWebview>;

/** What the webview keeps across hide/show and reload (acquireVsCodeApi().setState). */
export const forgetSetStateSchema = z.object({
  selected: z.array(index).max(5_000_000).default([]),
  classFilter: z.int().min(-1).default(-1),
  search: z.string().max(200).default(''),
  scrollTop: z.number().min(0).default(0),
  name: z.string().max(200).default(''),
  k: z.int().min(1).default(100),
  shownSet: z.string().max(200).nullable().default(null),
  addToSelection: z.boolean().default(false),
});
export type ForgetSetState = z.infer<typeof forgetSetStateSchema>;
