/**
 * Pieces every panel's message union is built from. This folder is imported by the extension
 * host and by the webview bundles alike, so it may import zod and nothing else: no vscode, no
 * TensorFlow.js, no Node built-ins.
 */
import { z } from 'zod';

export const PANEL_IDS = ['forget-set', 'run', 'compare', 'per-point', 'linear'] as const;
export type PanelId = (typeof PANEL_IDS)[number];

/** The `viewType` each panel registers under; the serializer for reload is keyed by it. */
export const PANEL_VIEW_TYPES: Record<PanelId, string> = {
  'forget-set': 'unlearn.forgetSetPanel',
  run: 'unlearn.runPanel',
  compare: 'unlearn.comparePanel',
  'per-point': 'unlearn.perPointPanel',
  linear: 'unlearn.linearPanel',
};

export const PANEL_TITLES: Record<PanelId, string> = {
  'forget-set': 'Forget Set',
  run: 'Runs',
  compare: 'Compare Unlearners',
  'per-point': 'Per-point KLoM',
  linear: 'Linear Study',
};

export const finite = () => z.number().refine(Number.isFinite, 'must be a finite number');
/** Non-finite numbers do not survive JSON, so a missing or undefined value travels as null. */
export const maybeNumber = z.number().nullable();
export const index = z.int().min(0).max(100_000_000);
/** Bounded so that a hostile or buggy sender cannot make the other side allocate without limit. */
export const indexList = z.array(index).max(5_000_000);

/**
 * Typed arrays cross the host ↔ webview seam as themselves (VS Code transfers their buffers
 * without JSON). `instanceof` would fail for arrays made in another realm (an iframe, a test
 * harness), so the check looks at the tag instead.
 */
function typed<T extends ArrayBufferView>(tag: string) {
  return z.custom<T>((v) => ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === `[object ${tag}]`, `expected a ${tag}`);
}
export const uint8Array = typed<Uint8Array>('Uint8Array');
export const float32Array = typed<Float32Array>('Float32Array');
export const int32Array = typed<Int32Array>('Int32Array');

/** What every KLoM figure shows beside it (DESIGN.md, SPEC §2: always report N). */
export const provenanceSchema = z.object({
  /** Models per ensemble (originals = oracles = unlearned per method). */
  n: z.int().min(0),
  backend: z.string().max(200),
  /** Seed ranges, e.g. "originals 0..99, oracles 1000..1099". */
  seeds: z.string().max(500),
  preset: z.string().max(200),
  forgetSet: z.string().max(200).optional(),
  forgetSize: z.int().min(0).optional(),
  /** Datamodel quality for datamodel-based rows (SPEC §5): always beside DM-Direct and DMM. */
  lds: maybeNumber.optional(),
  m: z.int().min(0).nullable().optional(),
});
export type Provenance = z.infer<typeof provenanceSchema>;

export const readyMessage = z.strictObject({ type: z.literal('ready') });
export const hostErrorMessage = z.strictObject({ type: z.literal('error'), message: z.string().max(4000) });
/** The host's word on a finished export (where it was saved, or that the person cancelled). */
export const exportedMessage = z.strictObject({ type: z.literal('exported'), path: z.string().max(4000).nullable() });

/**
 * File names the webview suggests for exports. The host always asks with a save dialog, but a
 * name with path separators would still be a strange suggestion, so it is refused.
 */
export const suggestedFileName = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[\w.\- ()]+$/, 'a plain file name without folders');

export const exportRequest = z.discriminatedUnion('format', [
  z.strictObject({ type: z.literal('export'), format: z.literal('csv'), fileName: suggestedFileName, text: z.string().max(50_000_000) }),
  z.strictObject({ type: z.literal('export'), format: z.literal('svg'), fileName: suggestedFileName, text: z.string().max(50_000_000) }),
  z.strictObject({ type: z.literal('export'), format: z.literal('png'), fileName: suggestedFileName, bytes: uint8Array }),
]);
export type ExportRequest = z.infer<typeof exportRequest>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Validates an untrusted message; the error names the first few faults for the log. */
export function parseMessage<T>(schema: z.ZodType<T>, raw: unknown): ParseResult<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const type = raw && typeof raw === 'object' && 'type' in raw ? String((raw as { type: unknown }).type).slice(0, 60) : '?';
  const faults = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
  return { ok: false, error: `invalid message '${type}': ${faults.join('; ')}` };
}
