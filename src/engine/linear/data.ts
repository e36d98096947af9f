/**
 * The study's data: isotropic Gaussian inputs, labels from a noisy linear function, a fresh test
 * set and a random forget set, all fixed by the seed.
 */
import { type Mat, zeros } from './dense';
import { createRng } from './rng';
import type { LinearSettings } from './settings';

export interface LinearData {
  x: Mat;
  y: Float64Array;
  xTest: Mat;
  yTest: Float64Array;
  /** The ground-truth weights, drawn N(0, I/d) so a clean label has unit variance. */
  wStar: Float64Array;
  /** Forget indices, ascending. */
  forget: number[];
  /** Retain indices, ascending. */
  retain: number[];
}

const STREAM = { x: 1, w: 2, noise: 3, xTest: 4, noiseTest: 5, forget: 6 } as const;

function gaussianMat(rows: number, cols: number, seed: number, stream: number): Mat {
  const m = zeros(rows, cols);
  const rng = createRng(seed, stream);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.gaussian();
  return m;
}

function labels(x: Mat, w: Float64Array, noise: number, seed: number, stream: number): Float64Array {
  const rng = createRng(seed, stream);
  const y = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let j = 0; j < x.cols; j++) s += x.data[i * x.cols + j] * w[j];
    y[i] = s + noise * rng.gaussian();
  }
  return y;
}

/** k distinct indices of [0, n) by a partial Fisher–Yates shuffle. */
export function sampleForget(n: number, k: number, seed: number): number[] {
  const rng = createRng(seed, STREAM.forget);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return perm.slice(0, k).sort((a, b) => a - b);
}

export function makeLinearData(s: LinearSettings): LinearData {
  const wRng = createRng(s.seed, STREAM.w);
  const wStar = new Float64Array(s.d);
  const scale = 1 / Math.sqrt(s.d);
  for (let j = 0; j < s.d; j++) wStar[j] = scale * wRng.gaussian();
  const x = gaussianMat(s.n, s.d, s.seed, STREAM.x);
  const xTest = gaussianMat(s.nTest, s.d, s.seed, STREAM.xTest);
  const forget = sampleForget(s.n, s.k, s.seed);
  const inF = new Set(forget);
  const retain: number[] = [];
  for (let i = 0; i < s.n; i++) if (!inF.has(i)) retain.push(i);
  return {
    x,
    y: labels(x, wStar, s.noise, s.seed, STREAM.noise),
    xTest,
    yTest: labels(xTest, wStar, s.noise, s.seed, STREAM.noiseTest),
    wStar,
    forget,
    retain,
  };
}
