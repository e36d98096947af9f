/**
 * Settings of the linear-model study (SPEC §7), as one zod schema with the defaults, so the CLI
 * and the JSON-RPC layer validate the same way and a settings object always hashes the same.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UnlearnError } from '../errors';

const finite = () => z.number().refine(Number.isFinite, 'must be a finite number');

export const linearSettingsSchema = z
  .object({
    /** Training points. */
    n: z.int().min(2).default(100),
    /** Input dimension. */
    d: z.int().min(1).default(400),
    /** Forget-set size, drawn at random from the n training points. */
    k: z.int().min(1).default(5),
    /** Fresh test points for the prediction-error curve. */
    nTest: z.int().min(1).default(1000),
    /** ℓ2 weight of the training objective ½‖Xθ − y‖² + ½λ‖θ‖². */
    lambda: finite().min(0).default(1e-3),
    /** Standard deviation of the label noise (the clean labels have unit variance). */
    noise: finite().min(0).default(0.1),
    /** One step size for every method; absent means 1 / λ_max(XᵀX). */
    lr: finite().positive().optional(),
    /** Iterations per method. */
    steps: z.int().min(0).max(10_000_000).default(10_000),
    /** GD on R + GA on F is run once per weight given here. */
    ascentWeights: z.array(finite().min(0)).min(1).max(8).default([1, 0.1]),
    seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Recorded iterations per decade (log-spaced, plus 0 and the last). */
    recordPerDecade: z.int().min(1).max(1000).default(20),
    /** A method whose ‖θ_t − θ_r‖ exceeds this multiple of ‖θ − θ_r‖ is marked diverged. */
    divergeFactor: finite().gt(1).default(1e6),
    /**
     * The datamodel route: `additive` sums the exact single-point removal effects (what a datamodel
     * is), `exact` uses the closed-form effect of removing all of F at once, `none` skips it.
     */
    datamodel: z.enum(['additive', 'exact', 'none']).default('additive'),
    /** `auto` works on the smaller of the n × n (dual) and d × d (primal) systems. */
    solver: z.enum(['auto', 'dual', 'primal']).default('auto'),
  })
  .strict();

export type LinearSettingsInput = z.input<typeof linearSettingsSchema>;
export type LinearSettings = z.output<typeof linearSettingsSchema>;

/** The largest problem the study accepts: it keeps X and one Gram matrix in memory. */
const MAX_ENTRIES = 50_000_000;
const MAX_SYSTEM = 4000;

/** Validates and fills defaults; every fault becomes one `bad-config` error naming the fields. */
export function parseLinearSettings(input: unknown): LinearSettings {
  const r = linearSettingsSchema.safeParse(input ?? {});
  if (!r.success) {
    const faults = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'settings'}: ${i.message}`);
    throw new UnlearnError('bad-config', `linear study settings: ${faults.join('; ')}`);
  }
  const s = r.data;
  const faults: string[] = [];
  if (s.k >= s.n) faults.push(`k: the forget set (${s.k}) must be smaller than the training set (n = ${s.n})`);
  if (s.n * s.d > MAX_ENTRIES || (s.nTest * s.d) > MAX_ENTRIES) faults.push(`n·d and nTest·d must stay below ${MAX_ENTRIES}`);
  if (Math.min(s.n, s.d) > MAX_SYSTEM) faults.push(`min(n, d) must be at most ${MAX_SYSTEM} (the closed form solves a min(n, d)-sized system)`);
  if (faults.length) throw new UnlearnError('bad-config', `linear study settings: ${faults.join('; ')}`);
  return s;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().filter((key) => o[key] !== undefined).map((key) => [key, canonical(o[key])]));
  }
  return v;
}

/** 12 hex digits of SHA-256 over the settings with sorted keys: the study's folder name. */
export function linearSettingsHash(s: LinearSettings): string {
  return createHash('sha256').update(JSON.stringify(canonical(s))).digest('hex').slice(0, 12);
}
