/**
 * Forget-set files: which training points to unlearn, for which dataset, and how they were
 * chosen (so a set can be regenerated and its provenance shown beside every result).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UnlearnError, badFile } from '../errors.js';

export const FORGET_SET_KINDS = ['random', 'class', 'nearest-neighbours', 'principal-component', 'manual'] as const;
export type ForgetSetKind = (typeof FORGET_SET_KINDS)[number];

/**
 * How the set was generated. Known keys are typed; others are kept, so a newer generator's
 * parameters survive being read and written by an older engine.
 */
export const ForgetSetParamsSchema = z.looseObject({
  /** Requested size (random, nearest neighbours, principal component: per side). */
  k: z.number().int().positive().optional(),
  /** Class index for `class`. */
  class: z.number().int().nonnegative().optional(),
  /** Training index of the anchor point for `nearest-neighbours`. */
  anchor: z.number().int().nonnegative().optional(),
  /** Feature space: `pixel` (the dataset's inputs), `embedding` (a model's penultimate layer), `datamodel`, … */
  space: z.string().min(1).optional(),
  /** The model whose embedding or datamodels were used, when the space needs one. */
  modelId: z.string().min(1).optional(),
  /** Principal component index, 0 = first. */
  component: z.number().int().nonnegative().optional(),
  side: z.enum(['top', 'bottom', 'both']).optional(),
});
export type ForgetSetParams = z.infer<typeof ForgetSetParamsSchema>;

export const ForgetSetSchema = z.object({
  version: z.literal(1),
  name: z.string().min(1, 'name must not be empty'),
  datasetId: z.string().min(1, 'datasetId must not be empty'),
  indices: z.array(z.number().int('indices must be integers').nonnegative('indices must be ≥ 0')),
  kind: z.enum(FORGET_SET_KINDS),
  params: ForgetSetParamsSchema,
  seed: z.number().int().optional(),
  createdAt: z.iso.datetime({ offset: true, message: 'createdAt must be an ISO 8601 date-time' }),
});
export type ForgetSet = z.infer<typeof ForgetSetSchema>;

export interface ForgetSetContext {
  datasetId: string;
  /** Size of the dataset's training split. */
  nTrain: number;
}

function listed(xs: number[], max = 5): string {
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}

/**
 * Everything wrong with a forget set for a dataset, as sentences a person can act on
 * (empty when it is usable). The schema's structural checks are assumed done.
 */
export function forgetSetProblems(fs: ForgetSet, ctx: ForgetSetContext): string[] {
  const problems: string[] = [];
  const label = `forget set '${fs.name}'`;
  if (fs.datasetId !== ctx.datasetId) {
    problems.push(`${label} was made for dataset '${fs.datasetId}', not for '${ctx.datasetId}'; make a new one for this dataset`);
  }
  const idx = fs.indices;
  if (idx.length === 0) {
    problems.push(`${label} is empty: it must name at least one training point`);
    return problems;
  }
  const outOfRange: number[] = [];
  const duplicates: number[] = [];
  let firstUnsorted = -1;
  const seen = new Set<number>();
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!Number.isInteger(v) || v < 0 || v >= ctx.nTrain) outOfRange.push(v);
    if (seen.has(v)) {
      if (!duplicates.includes(v)) duplicates.push(v);
    } else seen.add(v);
    if (i > 0 && v < idx[i - 1] && firstUnsorted < 0) firstUnsorted = i;
  }
  if (outOfRange.length > 0) {
    problems.push(
      `${label}: ${outOfRange.length === 1 ? 'index' : 'indices'} ${listed(outOfRange)} ` +
        `${outOfRange.length === 1 ? 'is' : 'are'} out of range; training indices run from 0 to ${ctx.nTrain - 1}`,
    );
  }
  if (duplicates.length > 0) problems.push(`${label}: ${duplicates.length === 1 ? 'index' : 'indices'} ${listed(duplicates)} appear more than once`);
  if (firstUnsorted >= 0) {
    problems.push(`${label}: indices must be sorted ascending, but position ${firstUnsorted} holds ${idx[firstUnsorted]} after ${idx[firstUnsorted - 1]}`);
  }
  if (outOfRange.length === 0 && seen.size === ctx.nTrain) {
    problems.push(`${label} contains the whole training set (${ctx.nTrain} points): nothing would be retained`);
  }
  return problems;
}

/** Throws `UnlearnError('bad-forget-set')` listing every problem, or returns the set. */
export function validateForgetSet(fs: ForgetSet, ctx: ForgetSetContext): ForgetSet {
  const problems = forgetSetProblems(fs, ctx);
  if (problems.length > 0) throw new UnlearnError('bad-forget-set', problems.join('; '));
  return fs;
}

/** Parses forget-set JSON text; `file` names the source in every message. */
export function parseForgetSet(text: string, file: string): ForgetSet {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw badFile(file, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const r = ForgetSetSchema.safeParse(raw);
  if (!r.success) {
    const faults = r.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw badFile(file, `not a valid forget set: ${faults.join('; ')}`);
  }
  return r.data;
}

/** Reads and parses a forget-set file (structure only; call `validateForgetSet` against the dataset). */
export async function readForgetSetFile(file: string): Promise<ForgetSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UnlearnError('not-found', `${file}: no such forget-set file`);
    throw new UnlearnError('io', `${file}: cannot read (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseForgetSet(text, file);
}

/**
 * The file content for a forget set: keys in a fixed order, two-space indented, the indices
 * on one line (a set of thousands of points stays readable and diffs stay small).
 */
export function forgetSetToJson(fs: ForgetSet): string {
  const checked = ForgetSetSchema.parse(fs);
  const lines: string[] = [
    `  "version": ${JSON.stringify(checked.version)}`,
    `  "name": ${JSON.stringify(checked.name)}`,
    `  "datasetId": ${JSON.stringify(checked.datasetId)}`,
    `  "kind": ${JSON.stringify(checked.kind)}`,
    `  "params": ${JSON.stringify(checked.params)}`,
  ];
  if (checked.seed !== undefined) lines.push(`  "seed": ${JSON.stringify(checked.seed)}`);
  lines.push(`  "createdAt": ${JSON.stringify(checked.createdAt)}`);
  lines.push(`  "indices": ${JSON.stringify(checked.indices)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

/**
 * Writes a forget set through the caller's writer (the store's atomic write), after checking
 * it against its dataset so that no unusable set is ever saved.
 */
export async function writeForgetSetFile(
  file: string,
  fs: ForgetSet,
  ctx: ForgetSetContext,
  write: (file: string, content: string) => Promise<void>,
): Promise<void> {
  validateForgetSet(fs, ctx);
  await write(file, forgetSetToJson(fs));
}

/** A complete forget set from a generator's output (indices sorted and de-duplicated here). */
export function makeForgetSet(fields: {
  name: string;
  datasetId: string;
  kind: ForgetSetKind;
  indices: ArrayLike<number>;
  params?: ForgetSetParams;
  seed?: number;
  createdAt?: Date;
}): ForgetSet {
  const indices = Array.from(new Set(Array.from(fields.indices))).sort((a, b) => a - b);
  const fs: ForgetSet = {
    version: 1,
    name: fields.name,
    datasetId: fields.datasetId,
    indices,
    kind: fields.kind,
    params: fields.params ?? {},
    createdAt: (fields.createdAt ?? new Date()).toISOString(),
  };
  if (fields.seed !== undefined) fs.seed = fields.seed;
  return fs;
}
