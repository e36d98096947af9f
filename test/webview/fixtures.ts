/**
 * Representative data for each panel, shared by the panel tests and the theme tests.
 */
import type { Page } from 'playwright-core';
import { typed } from './harness';

// --- compare panel
const split = (p95: number, p99: number) => ({ n: 100, p95, p99, mean: p95 / 3 });
function row(method: string, label: string, epochs: number, cost: number, f: number, r: number, v: number, extra: Record<string, unknown> = {}) {
  return {
    id: `${method}@${epochs}`,
    method,
    label,
    epochs,
    steps: epochs * 16,
    cost,
    presupposedRetrainings: null,
    precomputeCost: null,
    nUnlearned: 100,
    nOracle: 100,
    forget: split(f * 0.8, f),
    retain: split(r * 0.8, r),
    validation: split(v * 0.8, v),
    headline: { p95: ((f + r + v) / 3) * 0.8, p99: (f + r + v) / 3 },
    accuracy: { forget: 0.95, retain: 0.97, validation: 0.85 },
    diverged: false,
    divergedModels: 0,
    datamodel: null,
    ...extra,
  };
}

export const COMPARE_SNAPSHOT = {
  title: 'Fashion-MNIST quick, forget random-100',
  provenance: { n: 100, backend: 'wasm', seeds: 'originals 0..99, oracles 1000..1099, floor 2000..2099', preset: 'workbench', forgetSet: 'random-100', forgetSize: 100, lds: 0.55, m: 1000 },
  rows: [
    row('do-nothing', 'Do nothing', 0, 0, 6, 0.6, 0.7),
    row('noise-floor', 'Oracle noise floor', 0, 0, 0.5, 0.4, 0.45),
    row('gd', 'GD (5 ep)', 5, 0.05, 5, 0.55, 0.6),
    row('gd', 'GD (10 ep)', 10, 0.1, 4.2, 0.5, 0.6),
    row('gd', 'GD (20 ep)', 20, 0.2, 3.5, 0.5, 0.55),
    row('om', 'OM (5 ep)', 5, 0.02, 2.5, 0.7, 0.7, { presupposedRetrainings: 10 }),
    row('om', 'OM (20 ep)', 20, 0.08, 1.0, 0.6, 0.6, { presupposedRetrainings: 10 }),
    row('dmm', 'DMM (20 ep)', 20, 0.09, 1.5, 0.8, 0.8, { precomputeCost: 1.4, datamodel: { lds: 0.55, ldsForget: 0.5, m: 1000, estimator: 'ridge' } }),
    row('dm-direct', 'DM-Direct', 0, 0, 2.0, 1.2, 1.1, { datamodel: { lds: 0.55, ldsForget: 0.5, m: 1000, estimator: 'ridge' } }),
    row('ga', 'GA <b>bold</b> (1 ep)', 1, 0.01, 11.5, 9, 9, { diverged: true, divergedModels: 7, accuracy: { forget: 0.1, retain: 0.1, validation: 0.1 } }),
  ],
};
// --- forget-set panel
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', '<img src=x onerror="window.__pwned=1">'];

export function forgetSetSnapshot(total: number, shape: [number, number, number] = [28, 28, 1]) {
  return {
    type: 'snapshot',
    snapshot: {
      dataset: { id: 'synthetic', name: 'Synthetic', total, shape, classNames: CLASSES, labels: Array.from({ length: total }, (_, i) => i % 10) },
      savedSets: [{ name: 'first-ten', size: 10, kind: 'manual', createdAt: '2025-01-01T00:00:00Z' }],
      hasDatamodels: true,
    },
  };
}

/** Answers every thumbnail request inside the page, with a pattern that differs per point. */
export async function serveThumbnails(page: Page, side = 28, channels = 1): Promise<void> {
  await page.evaluate(({ side, channels }) => {
    const w = window as unknown as { __hooks: Array<(m: unknown) => void> };
    const per = side * side * channels;
    w.__hooks.push((raw) => {
      const m = raw as { type: string; offset: number; count: number };
      if (m.type !== 'requestThumbnails') return;
      const pixels = new Uint8Array(m.count * per);
      for (let i = 0; i < m.count; i++) {
        const idx = m.offset + i;
        for (let p = 0; p < side * side; p++) {
          const r = Math.floor(p / side);
          const c = p % side;
          const on = Math.hypot(r - side / 2, c - side / 2) < 6 + (idx % 7);
          // RGB points get a colour that depends on their channel, so the three planes differ.
          for (let ch = 0; ch < channels; ch++) pixels[i * per + p * channels + ch] = on ? 200 - ch * 80 : 30;
        }
      }
      setTimeout(() => window.postMessage({ type: 'thumbnails', offset: m.offset, count: m.count, pixels }, '*'), 0);
    });
  }, { side, channels });
}
// --- per-point panel
/** A small deterministic generator, so that the histograms are the same on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const N_TRAIN = 400;
const N_VAL = 100;
export const FORGET = Array.from({ length: 40 }, (_, i) => i * 10);
const RETAIN = Array.from({ length: N_TRAIN }, (_, i) => i).filter((i) => i % 10 !== 0);

function klom(seed: number, forgetScale: number): number[] {
  const r = rng(seed);
  return Array.from({ length: N_TRAIN + N_VAL }, (_, i) => (i < N_TRAIN && i % 10 === 0 ? forgetScale : 0.4) * -Math.log(1 - r() * 0.999));
}

export const PER_POINT_SNAPSHOT = {
  provenance: { n: 100, backend: 'wasm', seeds: 'originals 0..99, oracles 1000..1099', preset: 'quick', forgetSet: 'random-40', forgetSize: 40 },
  nTrain: N_TRAIN,
  nValidation: N_VAL,
  forget: FORGET,
  retain: RETAIN,
  classNames: ['zero', 'one', '<script>bad()</script>'],
  labels: Array.from({ length: N_TRAIN + N_VAL }, (_, i) => i % 3),
  methods: [
    { id: 'om@20', label: 'OM (20 ep)', klom: typed('Float32Array', klom(1, 1.2)), diverged: false },
    { id: 'gd@20', label: 'GD (20 ep)', klom: typed('Float32Array', klom(2, 3)), diverged: false },
    { id: 'do-nothing', label: 'Do nothing', klom: typed('Float32Array', klom(3, 5)), diverged: false },
  ],
};
// --- linear panel
export const LINEAR_FORM = { n: 100, d: 400, k: 5, nTest: 1000, lambda: 0.001, noise: 0.1, lr: null, steps: 10_000, ascentWeights: [1, 0.1], seed: 0 };

function steps(upTo: number): number[] {
  const s = new Set([0]);
  for (let j = 0; ; j++) {
    const t = Math.round(10 ** (j / 20));
    if (t > upTo) break;
    s.add(t);
  }
  s.add(upTo);
  return [...s].sort((a, b) => a - b);
}

function curve(id: string, name: string, f: (t: number) => number, upTo = 10_000, diverged: { step: number; reason: string } | null = null, kind: 'iterative' | 'direct' = 'iterative') {
  const st = steps(upTo);
  return { id, name, kind, objective: `objective of ${name}`, steps: st, relParamDist: st.map(f), relPredErrTest: st.map((t) => f(t) * 0.9), diverged };
}

export const LINEAR_RESULT = {
  settingsHash: 'abc123def456',
  lr: 0.0123,
  lrSource: 'auto',
  lambdaMax: 81.3,
  forget: [3, 17, 42, 64, 88],
  methods: [
    curve('om', 'OM', (t) => Math.max(1e-9, 0.85 ** t)),
    curve('om-r', 'OM on R', () => 1),
    curve('gd-r', 'GD on R', (t) => 1 - 1e-6 * t),
    curve('gd-ga-1', 'GD+GA (a=1)', (t) => 1 + (t / 400) ** 3, 2000, { step: 2000, reason: 'exploded' }),
    curve('dmm', 'DMM', () => 0.3, 10_000, null, 'direct'),
  ],
  totalMs: 1530,
};
// --- run panel
export function runJob(id: string, state: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    label: `train mlp ×100 (${id})`,
    method: 'unlearn/trainEnsemble',
    state,
    backend: 'wasm',
    phase: 'originals',
    fraction: 0.3,
    modelsDone: 30,
    modelsTotal: 100,
    etaSeconds: 95,
    startedAt: '2025-01-01T00:00:00Z',
    error: null,
    series: [{ name: 'originals', x: [0, 10, 20, 30], y: [2.3, 1.2, 0.8, 0.6] }],
    ...extra,
  };
}
