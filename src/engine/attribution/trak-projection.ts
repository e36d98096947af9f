/**
 * TRAK's random projection P (|θ| × k), never held whole: every entry is a pure function of
 * (seed, layer, row, column), so any block of columns can be generated on its own and the
 * result does not depend on how the columns are blocked. Entries are scaled by 1/√k so that
 * Pᵀg keeps ‖g‖ in expectation.
 *
 * Rows of layer l are its parameters in the order vec(W_l) then b_l — (p, q) ↦ p·out + q with
 * p = in for the bias — i.e. the rows of the augmented weight [W_l; b_l] ∈ R^{(in+1) × out}.
 */
import { UnlearnError } from '../errors';

export const PROJECTIONS = ['rademacher', 'gaussian'] as const;
export type ProjectionKind = (typeof PROJECTIONS)[number];

export interface ProjectionSpec {
  kind: ProjectionKind;
  seed: number;
  /** Columns in all (the feature dimension k). */
  k: number;
}

function mix(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= c;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A per-layer stream seed, so layers draw unrelated entries. */
function layerSeed(seed: number, layer: number): number {
  return mix(seed >>> 0, 0x5f3759df, layer);
}

/**
 * The block of columns [k0, k0 + kb) of layer `layer`'s rows (`rows` × `out` parameters),
 * laid out [rows, out, kb] row-major, i.e. reshapable to [rows, out · kb] with column q·kb + j.
 */
export function projectionBlock(spec: ProjectionSpec, layer: number, rows: number, out: number, k0: number, kb: number): Float32Array {
  if (!(Number.isInteger(spec.k) && spec.k >= 1)) throw new UnlearnError('bad-config', `TRAK projection dimension k must be a positive integer, got ${spec.k}`);
  if (k0 < 0 || kb < 1 || k0 + kb > spec.k) throw new UnlearnError('bad-config', `projection block [${k0}, ${k0 + kb}) lies outside 0..${spec.k}`);
  const s = layerSeed(spec.seed, layer);
  const scale = 1 / Math.sqrt(spec.k);
  const outArr = new Float32Array(rows * out * kb);
  let o = 0;
  for (let r = 0; r < rows * out; r++) {
    if (spec.kind === 'rademacher') {
      // One hash gives the signs of 32 consecutive columns; which word a column uses depends on
      // the column alone, never on the block.
      let word = mix(s, r, k0 >>> 5);
      for (let j = 0; j < kb; j++) {
        const col = k0 + j;
        if (j > 0 && (col & 31) === 0) word = mix(s, r, col >>> 5);
        outArr[o++] = (word >>> (col & 31)) & 1 ? scale : -scale;
      }
    } else {
      for (let j = 0; j < kb; j++) {
        const col = k0 + j;
        // Box–Muller from two independent 32-bit hashes of the entry.
        const u1 = (mix(s, r, 2 * col) + 0.5) / 4294967296;
        const u2 = mix(s, r, 2 * col + 1) / 4294967296;
        outArr[o++] = scale * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      }
    }
  }
  return outArr;
}
