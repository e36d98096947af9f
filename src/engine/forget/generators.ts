/**
 * Forget-set generators (SPEC §6): random, whole class, nearest neighbours of an anchor in a
 * feature space, and the extremes of a principal component. Each returns a draft (sorted
 * indices + the parameters that regenerate it); `makeForgetSet` turns it into a file.
 */
import { UnlearnError } from '../errors.js';
import { Rng } from '../util/rng.js';
import type { ForgetSetKind, ForgetSetParams } from './forget-set.js';

export interface ForgetSetDraft {
  kind: ForgetSetKind;
  /** Sorted ascending, unique. */
  indices: number[];
  params: ForgetSetParams;
  seed?: number;
}

function bad(message: string): UnlearnError {
  return new UnlearnError('bad-forget-set', message);
}

function checkK(k: number, max: number, what: string): void {
  if (!Number.isInteger(k) || k < 1) throw bad(`${what}: k must be a positive integer, got ${k}`);
  if (k > max) throw bad(`${what}: k = ${k} exceeds the ${max} points available`);
}

function checkMatrix(m: { length: number }, n: number, d: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1) throw bad(`${what}: matrix shape ${n} × ${d} is empty`);
  if (m.length !== n * d) throw bad(`${what}: matrix holds ${m.length} values, expected ${n} × ${d} = ${n * d}`);
}

const ascending = (a: number, b: number): number => a - b;

/** k training points drawn uniformly without replacement. */
export function randomForgetSet(nTrain: number, k: number, seed: number): ForgetSetDraft {
  checkK(k, nTrain - 1, 'random forget set'); // the whole training set cannot be forgotten
  const indices = Array.from(new Rng(seed).sampleWithoutReplacement(nTrain, k)).sort(ascending);
  return { kind: 'random', indices, params: { k }, seed };
}

/** Every training point of one class. */
export function classForgetSet(labels: Int32Array, cls: number): ForgetSetDraft {
  if (!Number.isInteger(cls) || cls < 0) throw bad(`class forget set: class must be a non-negative integer, got ${cls}`);
  const indices: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === cls) indices.push(i);
  if (indices.length === 0) throw bad(`class forget set: no training point has class ${cls}`);
  if (indices.length === labels.length) throw bad(`class forget set: every training point has class ${cls}; nothing would be retained`);
  return { kind: 'class', indices, params: { class: cls } };
}

export interface NearestNeighboursOptions {
  /** Recorded in the parameters: `pixel` for the dataset's inputs, `embedding` for a model's penultimate layer. */
  space: string;
  modelId?: string;
}

/**
 * The k training points closest to the anchor (squared Euclidean distance in float64), the
 * anchor itself included as its own nearest neighbour; ties go to the lower index. The same
 * function serves pixel space (rows of the dataset's x) and embedding space (a model's
 * penultimate activations).
 */
export function nearestNeighboursForgetSet(
  features: Float32Array | Float64Array,
  n: number,
  d: number,
  anchor: number,
  k: number,
  options: NearestNeighboursOptions,
): ForgetSetDraft {
  checkMatrix(features, n, d, 'nearest-neighbours forget set');
  if (!Number.isInteger(anchor) || anchor < 0 || anchor >= n) {
    throw bad(`nearest-neighbours forget set: anchor ${anchor} is out of range; training indices run from 0 to ${n - 1}`);
  }
  checkK(k, n - 1, 'nearest-neighbours forget set');
  const dist = new Float64Array(n);
  const a = anchor * d;
  for (let i = 0; i < n; i++) {
    const b = i * d;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const diff = features[b + t] - features[a + t];
      s += diff * diff;
    }
    if (s - s !== 0) throw bad(`nearest-neighbours forget set: features of point ${i} are not finite`);
    dist[i] = s;
  }
  dist[anchor] = -1; // the anchor first even if another point shares its features
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => dist[x] - dist[y] || x - y);
  const params: ForgetSetParams = { k, anchor, space: options.space };
  if (options.modelId !== undefined) params.modelId = options.modelId;
  return { kind: 'nearest-neighbours', indices: order.slice(0, k).sort(ascending), params };
}

export interface PrincipalComponent {
  /** Unit vector in column space (length d), sign fixed so its largest-|·| entry is positive. */
  loadings: Float64Array;
  /** Projection of each centred row on the loadings (length n). */
  scores: Float64Array;
  /** Variance along the component: ‖X_c v‖² / (n − 1). */
  variance: number;
  iterations: number;
  converged: boolean;
}

export interface PcaOptions {
  seed?: number;
  maxIterations?: number;
  /** Stop when the loadings move by less than this (Euclidean, after sign alignment). */
  tolerance?: number;
}

/**
 * Components 0..component of the column-centred matrix X (n rows × d columns, row-major), by
 * power iteration on XcᵀXc with deflation against the components already found. X is never
 * copied or centred in memory — Xc·v = X·v − (μ·v)·1 and Xcᵀ·w = Xᵀ·w − (Σw)·μ — so a
 * datamodel matrix of n × (n + n_val) values costs no more than itself.
 */
export function principalComponents(matrix: Float32Array | Float64Array, n: number, d: number, count: number, options: PcaOptions = {}): PrincipalComponent[] {
  checkMatrix(matrix, n, d, 'principal components');
  if (!Number.isInteger(count) || count < 1 || count > Math.min(n, d)) {
    throw bad(`principal components: asked for ${count}, but an ${n} × ${d} matrix has at most ${Math.min(n, d)}`);
  }
  const maxIterations = options.maxIterations ?? 2000;
  const tolerance = options.tolerance ?? 1e-10;
  const rng = new Rng(options.seed ?? 0);
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const b = i * d;
    for (let t = 0; t < d; t++) mu[t] += matrix[b + t];
  }
  for (let t = 0; t < d; t++) mu[t] /= n;

  const w = new Float64Array(n);
  const times = (v: Float64Array): void => {
    // w = Xc v
    let muv = 0;
    for (let t = 0; t < d; t++) muv += mu[t] * v[t];
    for (let i = 0; i < n; i++) {
      const b = i * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += matrix[b + t] * v[t];
      w[i] = s - muv;
    }
  };
  const timesT = (out: Float64Array): void => {
    // out = Xcᵀ w
    out.fill(0);
    let sw = 0;
    for (let i = 0; i < n; i++) {
      const b = i * d;
      const wi = w[i];
      sw += wi;
      for (let t = 0; t < d; t++) out[t] += matrix[b + t] * wi;
    }
    for (let t = 0; t < d; t++) out[t] -= sw * mu[t];
  };
  const found: Float64Array[] = [];
  const deflate = (v: Float64Array): void => {
    for (const u of found) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += u[t] * v[t];
      for (let t = 0; t < d; t++) v[t] -= dot * u[t];
    }
  };
  const normalise = (v: Float64Array): number => {
    let s = 0;
    for (let t = 0; t < d; t++) s += v[t] * v[t];
    const norm = Math.sqrt(s);
    if (norm > 0) for (let t = 0; t < d; t++) v[t] /= norm;
    return norm;
  };

  const out: PrincipalComponent[] = [];
  for (let c = 0; c < count; c++) {
    let v = new Float64Array(d);
    for (let t = 0; t < d; t++) v[t] = rng.normal();
    deflate(v);
    normalise(v);
    let next = new Float64Array(d);
    let iterations = 0;
    let converged = false;
    while (iterations < maxIterations) {
      iterations++;
      times(v);
      timesT(next);
      deflate(next); // keeps rounding from pulling the iterate back towards earlier components
      if (normalise(next) === 0) {
        converged = true; // no variance left outside the earlier components
        break;
      }
      let change = 0;
      let sameSign = 0;
      for (let t = 0; t < d; t++) sameSign += next[t] * v[t];
      const s = sameSign < 0 ? -1 : 1;
      for (let t = 0; t < d; t++) change += (next[t] - s * v[t]) ** 2;
      [v, next] = [next, v];
      if (Math.sqrt(change) < tolerance) {
        converged = true;
        break;
      }
    }
    // Sign convention: the loading of largest magnitude is positive (the first such on ties).
    let arg = 0;
    for (let t = 1; t < d; t++) if (Math.abs(v[t]) > Math.abs(v[arg])) arg = t;
    if (v[arg] < 0) for (let t = 0; t < d; t++) v[t] = -v[t];
    times(v);
    const scores = Float64Array.from(w);
    let ss = 0;
    for (let i = 0; i < n; i++) ss += scores[i] * scores[i];
    out.push({ loadings: v, scores, variance: n > 1 ? ss / (n - 1) : 0, iterations, converged });
    found.push(v);
  }
  return out;
}

export interface PrincipalComponentForgetOptions extends PcaOptions {
  component: number;
  k: number;
  /** `top`: the k highest scores; `bottom`: the k lowest; `both`: k from each end (2k points). */
  side: 'top' | 'bottom' | 'both';
  /** What the rows' columns are: `datamodel`, `pixel`, `embedding`, … (recorded). */
  space: string;
  modelId?: string;
}

/**
 * The training points at the extremes of a principal component of a matrix whose rows are the
 * training points (e.g. the datamodel matrix: a coherent subpopulation, as in the seed).
 * Ties in score go to the lower index.
 */
export function principalComponentForgetSet(
  matrix: Float32Array | Float64Array,
  n: number,
  d: number,
  options: PrincipalComponentForgetOptions,
): ForgetSetDraft & { component: PrincipalComponent } {
  const { component, k, side } = options;
  if (!Number.isInteger(component) || component < 0) throw bad(`principal-component forget set: component must be 0 or more, got ${component}`);
  checkK(side === 'both' ? 2 * k : k, n - 1, 'principal-component forget set');
  const seed = options.seed ?? 0;
  const pcs = principalComponents(matrix, n, d, component + 1, { ...options, seed });
  const pc = pcs[component];
  const s = pc.scores;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => s[y] - s[x] || x - y);
  const picked = new Set<number>();
  if (side === 'top' || side === 'both') for (let i = 0; i < k; i++) picked.add(order[i]);
  if (side === 'bottom' || side === 'both') {
    const low = Array.from({ length: n }, (_, i) => i).sort((x, y) => s[x] - s[y] || x - y);
    for (let i = 0; i < k; i++) picked.add(low[i]);
  }
  const params: ForgetSetParams = { k, component, side, space: options.space };
  if (options.modelId !== undefined) params.modelId = options.modelId;
  return { kind: 'principal-component', indices: Array.from(picked).sort(ascending), params, seed, component: pc };
}
