/**
 * Per-point KLoM (SPEC §2), reproducing EasyDUB's `binned_kl_divergence` value for value,
 * including its binning quirk (values equal to the pooled maximum are not counted).
 *
 * Layout: margin matrices are model-major, `[models × points]` row-major, the way margins are
 * stored (one row per model). Scoring walks the rows contiguously over a block of points at a
 * time, keeping per-point min/max, edges and bin counts in buffers reused across blocks, so
 * no allocation happens per point and memory stays bounded for any number of points.
 */
import { UnlearnError } from '../errors.js';
import { numpySum } from './numpy-sum.js';

export type KlomBinning = 'reference' | 'closed';
export type KlomDirection = 'unlearned-oracle' | 'oracle-unlearned';
/**
 * Arithmetic of the bin edges. `float64` is the SPEC's choice and what NumPy does for float64
 * margins; `float32` is what NumPy ≥ 2 does when the margins arrive as float32 arrays (its
 * `linspace` then works in float32), for bit-for-bit comparison with such runs.
 */
export type KlomEdgeArithmetic = 'float64' | 'float32';

export interface KlomOptions {
  /** `reference` (default): np.digitize bins 1..bins, the pooled max is dropped. `closed`: last bin closed, every value counted. */
  binning?: KlomBinning;
  /** `unlearned-oracle` (default): KL(unlearned ‖ oracle). */
  direction?: KlomDirection;
  /** Number of bins (20). */
  bins?: number;
  /** Floor on q where p > 0 (1e-5). */
  eps?: number;
  /** Margins are clipped to [−clip, clip] (100). */
  clip?: number;
  edgeArithmetic?: KlomEdgeArithmetic;
  /** Per unlearned-model row: true = diverged, its margins enter as −clip whatever they are. */
  divergedUnlearned?: ArrayLike<boolean>;
  /** Per oracle-model row, likewise. */
  divergedOracle?: ArrayLike<boolean>;
}

export interface KlomResult {
  /** Per-point KLoM, float64. */
  values: Float64Array;
  nUnlearned: number;
  nOracle: number;
  /** Rows scored as −clip because the caller flagged them as diverged. */
  divergedUnlearned: number[];
  divergedOracle: number[];
  options: Required<Omit<KlomOptions, 'divergedUnlearned' | 'divergedOracle'>>;
}

const DEFAULTS = {
  binning: 'reference' as KlomBinning,
  direction: 'unlearned-oracle' as KlomDirection,
  bins: 20,
  eps: 1e-5,
  clip: 100,
  edgeArithmetic: 'float64' as KlomEdgeArithmetic,
};

/** Points per block: the block's counts and edges stay in L2 cache while rows stream past. */
const BLOCK = 1024;

interface Sample {
  data: Float32Array;
  models: number;
  diverged: Uint8Array;
  role: 'unlearned' | 'oracle';
}

function bad(message: string): UnlearnError {
  return new UnlearnError('bad-config', `KLoM: ${message}`);
}

function modelsOf(data: Float32Array, nPoints: number, role: string): number {
  if (nPoints === 0) return 0;
  if (data.length % nPoints !== 0) {
    throw bad(`${role} margins hold ${data.length} values, not a whole number of rows of ${nPoints} points`);
  }
  const models = data.length / nPoints;
  if (models === 0) throw bad(`no ${role} models`);
  return models;
}

function flags(f: ArrayLike<boolean> | undefined, models: number, role: string): Uint8Array {
  const out = new Uint8Array(models);
  if (f === undefined) return out;
  if (f.length !== models) throw bad(`${f.length} diverged flags for ${models} ${role} models`);
  for (let i = 0; i < models; i++) out[i] = f[i] ? 1 : 0;
  return out;
}

function resolveOptions(o: KlomOptions): KlomResult['options'] {
  const r = {
    binning: o.binning ?? DEFAULTS.binning,
    direction: o.direction ?? DEFAULTS.direction,
    bins: o.bins ?? DEFAULTS.bins,
    eps: o.eps ?? DEFAULTS.eps,
    clip: o.clip ?? DEFAULTS.clip,
    edgeArithmetic: o.edgeArithmetic ?? DEFAULTS.edgeArithmetic,
  };
  if (r.binning !== 'reference' && r.binning !== 'closed') throw bad(`unknown binning '${String(r.binning)}'`);
  if (r.direction !== 'unlearned-oracle' && r.direction !== 'oracle-unlearned') throw bad(`unknown direction '${String(r.direction)}'`);
  if (r.edgeArithmetic !== 'float64' && r.edgeArithmetic !== 'float32') throw bad(`unknown edge arithmetic '${String(r.edgeArithmetic)}'`);
  if (!Number.isInteger(r.bins) || r.bins < 1 || r.bins > 10000) throw bad(`bins must be an integer in [1, 10000], got ${r.bins}`);
  if (!(r.eps > 0) || !Number.isFinite(r.eps)) throw bad(`eps must be a positive number, got ${r.eps}`);
  if (!(r.clip > 0) || !Number.isFinite(r.clip)) throw bad(`clip must be a positive number, got ${r.clip}`);
  return r;
}

/**
 * Per-point KLoM between unlearned margins (N_u × nPoints) and oracle margins (N_o × nPoints).
 * Throws an `UnlearnError` naming the point and the model row on any non-finite margin of a
 * model not flagged as diverged.
 */
export function klom(unlearned: Float32Array, oracle: Float32Array, nPoints: number, options: KlomOptions = {}): Float64Array {
  return scoreKlom(unlearned, oracle, nPoints, options).values;
}

/** `klom` with the provenance a result must carry: N on each side and the diverged rows. */
export function scoreKlom(unlearned: Float32Array, oracle: Float32Array, nPoints: number, options: KlomOptions = {}): KlomResult {
  if (!Number.isInteger(nPoints) || nPoints < 0) throw bad(`point count must be a non-negative integer, got ${nPoints}`);
  const opts = resolveOptions(options);
  const nU = modelsOf(unlearned, nPoints, 'unlearned');
  const nO = modelsOf(oracle, nPoints, 'oracle');
  const u: Sample = { data: unlearned, models: nU, diverged: flags(options.divergedUnlearned, nU, 'unlearned'), role: 'unlearned' };
  const o: Sample = { data: oracle, models: nO, diverged: flags(options.divergedOracle, nO, 'oracle'), role: 'oracle' };
  const values = new Float64Array(nPoints);
  if (nPoints > 0) {
    const [p, q] = opts.direction === 'unlearned-oracle' ? [u, o] : [o, u];
    compute(p, q, nPoints, opts, values);
  }
  const rows = (d: Uint8Array): number[] => {
    const r: number[] = [];
    d.forEach((x, i) => {
      if (x) r.push(i);
    });
    return r;
  };
  return { values, nUnlearned: nU, nOracle: nO, divergedUnlearned: rows(u.diverged), divergedOracle: rows(o.diverged), options: opts };
}

/**
 * A copy of `margins` with every flagged row set to −clip (SPEC §2: a diverged model scores
 * as the worst margin). Returns the input itself when nothing is flagged.
 */
export function replaceDivergedRows(margins: Float32Array, nPoints: number, diverged: ArrayLike<boolean>, clip = DEFAULTS.clip): Float32Array {
  const models = modelsOf(margins, nPoints, 'margin');
  if (diverged.length !== models) throw bad(`${diverged.length} diverged flags for ${models} models`);
  let out = margins;
  for (let r = 0; r < models; r++) {
    if (!diverged[r]) continue;
    if (out === margins) out = margins.slice();
    out.fill(-clip, r * nPoints, (r + 1) * nPoints);
  }
  return out;
}

/** Rows holding any non-finite margin: what a caller flags as diverged when logits blew up. */
export function nonFiniteRows(margins: Float32Array, nPoints: number): boolean[] {
  const models = modelsOf(margins, nPoints, 'margin');
  const out: boolean[] = new Array<boolean>(models).fill(false);
  for (let r = 0; r < models; r++) {
    const base = r * nPoints;
    for (let j = 0; j < nPoints; j++) {
      const v = margins[base + j];
      if (v - v !== 0) {
        out[r] = true;
        break;
      }
    }
  }
  return out;
}

function nonFinite(s: Sample, row: number, point: number, v: number): UnlearnError {
  return new UnlearnError(
    'diverged',
    `KLoM: the margin of ${s.role} model row ${row} at point ${point} is ${String(v)}; ` +
      `a model with non-finite margins has diverged — flag its row as diverged (it is then scored as −100) or fix its margins`,
  );
}

/**
 * Pooled min / max of one row's clipped values over a block, into lo / hi. Returns the offset
 * (within the block) of the first non-finite value, or −1.
 */
function minMaxRow(d: Float32Array, base: number, w: number, clip: number, lo: Float64Array, hi: Float64Array): number {
  const low = -clip;
  for (let j = 0; j < w; j++) {
    let v = d[base + j];
    if (v - v !== 0) return j;
    v = v < low ? low : v > clip ? clip : v;
    if (v < lo[j]) lo[j] = v;
    if (v > hi[j]) hi[j] = v;
  }
  return -1;
}

function minMaxConstant(v: number, w: number, lo: Float64Array, hi: Float64Array): void {
  for (let j = 0; j < w; j++) {
    if (v < lo[j]) lo[j] = v;
    if (v > hi[j]) hi[j] = v;
  }
}

/** Edges exactly as np.linspace(lo, hi, bins + 1) builds them: start + i·step, the last = stop. */
function buildEdges(w: number, bins: number, f32: boolean, lo: Float64Array, hi: Float64Array, inv: Float64Array, edges: Float64Array): void {
  const round = f32 ? Math.fround : (x: number): number => x;
  for (let j = 0; j < w; j++) {
    const start = lo[j];
    let stop = hi[j];
    if (start >= stop) stop = round(start + 1);
    hi[j] = stop;
    const delta = round(stop - start);
    const step = round(delta / bins);
    const e = j * (bins + 1);
    if (step === 0) {
      // np.linspace's branch for a subnormal step: (i / bins) · delta.
      for (let i = 0; i < bins; i++) edges[e + i] = round(round(round(i / bins) * delta) + start);
    } else {
      for (let i = 0; i < bins; i++) edges[e + i] = round(round(i * step) + start);
    }
    edges[e + bins] = stop;
    inv[j] = bins / (stop - start);
  }
}

/**
 * np.digitize's index of v — the number of edges ≤ v — from an arithmetic guess corrected
 * against the actual edges, so rounding in either never misplaces a value.
 */
function binOf(v: number, lo: number, inv: number, edges: Float64Array, e: number, bins: number): number {
  let k = Math.floor((v - lo) * inv) + 1;
  if (!(k >= 1)) k = 1; // also catches NaN from a subnormal range
  else if (k > bins + 1) k = bins + 1;
  while (k <= bins && edges[e + k] <= v) k++;
  while (k > 1 && edges[e + k - 1] > v) k--;
  return k;
}

function countRow(
  d: Float32Array, base: number, w: number, clip: number, bins: number,
  lo: Float64Array, inv: Float64Array, edges: Float64Array, counts: Int32Array,
): void {
  const low = -clip;
  const stride = bins + 2;
  for (let j = 0; j < w; j++) {
    let v = d[base + j];
    v = v < low ? low : v > clip ? clip : v;
    counts[j * stride + binOf(v, lo[j], inv[j], edges, j * (bins + 1), bins)]++;
  }
}

function countConstant(v: number, w: number, bins: number, lo: Float64Array, inv: Float64Array, edges: Float64Array, counts: Int32Array): void {
  const stride = bins + 2;
  for (let j = 0; j < w; j++) counts[j * stride + binOf(v, lo[j], inv[j], edges, j * (bins + 1), bins)]++;
}

function klBlock(
  w: number, bins: number, closed: boolean, eps: number,
  countP: Int32Array, countQ: Int32Array, terms: Float64Array, out: Float64Array, outOffset: number,
): void {
  const stride = bins + 2;
  for (let j = 0; j < w; j++) {
    const c = j * stride;
    if (closed) {
      countP[c + bins] += countP[c + bins + 1];
      countQ[c + bins] += countQ[c + bins + 1];
    }
    let totP = 0;
    let totQ = 0;
    for (let b = 1; b <= bins; b++) {
      totP += countP[c + b];
      totQ += countQ[c + b];
    }
    let nTerms = 0;
    if (totP > 0) {
      for (let b = 1; b <= bins; b++) {
        const cp = countP[c + b];
        if (cp === 0) continue;
        const pb = cp / totP;
        const qb = totQ > 0 ? countQ[c + b] / totQ : 0;
        terms[nTerms++] = pb * Math.log(pb / (qb > eps ? qb : eps));
      }
    }
    out[outOffset + j] = numpySum(terms, 0, nTerms);
  }
}

function compute(p: Sample, q: Sample, nPoints: number, opts: KlomResult['options'], out: Float64Array): void {
  const bins = opts.bins;
  const stride = bins + 2; // slots 0..bins+1 mirror np.digitize's 0..bins+1
  const f32 = opts.edgeArithmetic === 'float32';
  const clip = f32 ? Math.fround(opts.clip) : opts.clip;
  const block = Math.min(BLOCK, nPoints);
  const lo = new Float64Array(block);
  const hi = new Float64Array(block);
  const inv = new Float64Array(block);
  const edges = new Float64Array(block * (bins + 1));
  const countP = new Int32Array(block * stride);
  const countQ = new Int32Array(block * stride);
  const terms = new Float64Array(bins);
  const samples: [Sample, Int32Array][] = [[p, countP], [q, countQ]];

  for (let j0 = 0; j0 < nPoints; j0 += block) {
    const w = Math.min(block, nPoints - j0);
    lo.fill(Infinity);
    hi.fill(-Infinity);
    for (const [s] of samples) {
      for (let r = 0; r < s.models; r++) {
        if (s.diverged[r] === 1) {
          minMaxConstant(-clip, w, lo, hi);
          continue;
        }
        const base = r * nPoints + j0;
        const bad = minMaxRow(s.data, base, w, clip, lo, hi);
        if (bad >= 0) throw nonFinite(s, r, j0 + bad, s.data[base + bad]);
      }
    }
    buildEdges(w, bins, f32, lo, hi, inv, edges);
    countP.fill(0, 0, w * stride);
    countQ.fill(0, 0, w * stride);
    for (const [s, counts] of samples) {
      for (let r = 0; r < s.models; r++) {
        if (s.diverged[r] === 1) countConstant(-clip, w, bins, lo, inv, edges, counts);
        else countRow(s.data, r * nPoints + j0, w, clip, bins, lo, inv, edges, counts);
      }
    }
    klBlock(w, bins, opts.binning === 'closed', opts.eps, countP, countQ, terms, out, j0);
  }
}
