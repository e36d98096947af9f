/**
 * Margins (SPEC §1): z_y − log Σ_{j≠y} exp(z_j), the quantity KLoM compares across models.
 */
import { UnlearnError } from '../errors.js';

function checkShape(logits: Float32Array, n: number, C: number, labels: Int32Array, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new UnlearnError('bad-config', `${what}: point count must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(C) || C < 2) throw new UnlearnError('bad-config', `${what}: a margin needs at least 2 classes, got C = ${C}`);
  if (logits.length !== n * C) {
    throw new UnlearnError('bad-config', `${what}: logits hold ${logits.length} values, expected n × C = ${n} × ${C} = ${n * C}`);
  }
  if (labels.length !== n) throw new UnlearnError('bad-config', `${what}: ${labels.length} labels for ${n} points`);
}

function checkLabel(y: number, C: number, i: number, what: string): void {
  if (y < 0 || y >= C) throw new UnlearnError('bad-config', `${what}: label ${y} of point ${i} is outside [0, ${C - 1}]`);
}

/**
 * Per-point margins of one model, logits row-major n × C. Computed in float64 with the max of
 * the other logits factored out, so |z| up to 1e4 (and far beyond) stays finite.
 * A point whose logits are not all finite gets a NaN margin: the model has diverged, and KLoM
 * refuses NaN unless the caller flags the model (see `klom.ts`).
 */
export function marginsFromLogits(logits: Float32Array, n: number, C: number, labels: Int32Array): Float32Array {
  checkShape(logits, n, C, labels, 'marginsFromLogits');
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    checkLabel(y, C, i, 'marginsFromLogits');
    const base = i * C;
    let finite = true;
    let m = -Infinity;
    for (let j = 0; j < C; j++) {
      const z = logits[base + j];
      if (z - z !== 0) finite = false;
      else if (j !== y && z > m) m = z;
    }
    if (!finite) {
      out[i] = NaN;
      continue;
    }
    let s = 0;
    for (let j = 0; j < C; j++) {
      if (j !== y) s += Math.exp(logits[base + j] - m);
    }
    // s ≥ 1 (the maximum contributes exp(0)), so the log is finite.
    out[i] = logits[base + y] - (m + Math.log(s));
  }
  return out;
}

/** Fraction of points whose arg-max logit (first one on ties) is the label; NaN logits never count as right. */
export function accuracyFromLogits(logits: Float32Array, n: number, C: number, labels: Int32Array): number {
  checkShape(logits, n, C, labels, 'accuracyFromLogits');
  if (n === 0) return NaN;
  let right = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    checkLabel(y, C, i, 'accuracyFromLogits');
    const base = i * C;
    let best = 0;
    let bestZ = logits[base];
    let finite = bestZ - bestZ === 0;
    for (let j = 1; j < C; j++) {
      const z = logits[base + j];
      if (z - z !== 0) finite = false;
      if (z > bestZ) {
        bestZ = z;
        best = j;
      }
    }
    if (finite && best === y) right++;
  }
  return right / n;
}

/** True when every value is finite: the check a caller makes before flagging a model as diverged. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v - v !== 0) return false;
  }
  return true;
}
