/**
 * The linear-model study (SPEC §7, the seed's Figure 3): from θ, with one step size, run GD on R,
 * Oracle Matching, OM on R only, GD on R + GA on F and (optionally) the datamodel route, and record
 * how far each gets from θ_r.
 *
 * Every iterative method minimises ½ Σ_i w_i (x_iᵀθ − t_i)² + ½ λ_m ‖θ‖² for a target vector t, a
 * weight vector w (1 on the points it fits, −a on the points it ascends on, 0 elsewhere) and λ_m
 * (λ for the methods that keep the training objective, 0 for the matching ones). Its gradient is
 * Xᵀr + λ_m θ with r = w ⊙ (Xθ − t), which is all a step needs.
 */
import { UnlearnError } from '../errors';
import { norm2 } from './dense';
import { type ClosedForm, solveClosedForm } from './closed-form';
import { type LinearData, makeLinearData } from './data';
import { type LinearSettings, linearSettingsHash, parseLinearSettings } from './settings';

export interface LinearDivergence {
  /** The first iteration whose iterate was non-finite or beyond the explosion bound. */
  step: number;
  reason: 'non-finite' | 'exploded';
}

export interface LinearMethodCurve {
  id: string;
  name: string;
  /** `direct` methods (DM-Direct) do not iterate: their curve is flat. */
  kind: 'iterative' | 'direct';
  /** What the method minimises, for a legend or tooltip. */
  objective: string;
  ascentWeight: number | null;
  /** Recorded iterations, ascending; shorter than the others when the method diverged. */
  steps: number[];
  /** ‖θ_t − θ_r‖. */
  paramDist: number[];
  /** ‖θ_t − θ_r‖ / ‖θ − θ_r‖. */
  relParamDist: number[];
  /** Root-mean-square of x_iᵀ(θ_t − θ_r) over F, over R and over the fresh test points. */
  predErrF: number[];
  predErrR: number[];
  predErrTest: number[];
  /** predErrTest divided by its value at θ. */
  relPredErrTest: number[];
  /** The method's own objective at θ_t; null for a direct method. */
  loss: number[] | null;
  diverged: LinearDivergence | null;
  elapsedMs: number;
}

export interface LinearStudyResult {
  kind: 'linear-study';
  version: 1;
  settings: LinearSettings;
  settingsHash: string;
  solver: 'dual' | 'primal';
  /** The step size used by every method, and where it came from. */
  lr: number;
  lrSource: 'auto' | 'given';
  lambdaMax: number;
  forget: number[];
  /** θ against θ_r: the starting point of every curve and the denominator of the relative ones. */
  initial: { paramDist: number; predErrF: number; predErrR: number; predErrTest: number };
  norms: { theta: number; thetaR: number };
  theta: number[];
  thetaR: number[];
  /** The datamodel route's prediction of θ_r (null when `datamodel` is `none`). */
  thetaDm: number[] | null;
  methods: LinearMethodCurve[];
  timings: { setupMs: number; totalMs: number };
}

export interface LinearStudyOptions {
  signal?: AbortSignal;
  /** Called every few thousand iterations. */
  onProgress?: (methodId: string, step: number, steps: number) => void;
}

/** 0, then about `perDecade` log-spaced iterations per decade, then the last one. */
export function recordSteps(steps: number, perDecade: number): number[] {
  const out = new Set<number>([0]);
  for (let j = 0; ; j++) {
    const t = Math.round(10 ** (j / perDecade));
    if (t > steps) break;
    out.add(t);
  }
  out.add(steps);
  return [...out].sort((a, b) => a - b);
}

interface MethodSpec {
  id: string;
  name: string;
  objective: string;
  ascentWeight: number | null;
  target: Float64Array;
  weights: Float64Array;
  lambdaM: number;
}

function rms(v: Float64Array, idx: readonly number[] | null): number {
  let s = 0;
  const m = idx ? idx.length : v.length;
  if (m === 0) return 0;
  if (idx) for (const i of idx) s += v[i] * v[i];
  else for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s / m);
}

function fmtWeight(a: number): string {
  return String(Number(a.toPrecision(6)));
}

function methodSpecs(s: LinearSettings, data: LinearData, pR: Float64Array, pDm: Float64Array | null): MethodSpec[] {
  const n = s.n;
  const all = new Float64Array(n).fill(1);
  const retainOnly = new Float64Array(n);
  for (const i of data.retain) retainOnly[i] = 1;
  const specs: MethodSpec[] = [
    { id: 'om', name: 'OM', objective: '½‖X_S(θ − θ_r)‖²', ascentWeight: null, target: pR, weights: all, lambdaM: 0 },
    { id: 'om-r', name: 'OM on R', objective: '½‖X_R(θ − θ_r)‖²', ascentWeight: null, target: pR, weights: retainOnly, lambdaM: 0 },
    { id: 'gd-r', name: 'GD on R', objective: '½‖X_Rθ − y_R‖² + ½λ‖θ‖²', ascentWeight: null, target: data.y, weights: retainOnly, lambdaM: s.lambda },
  ];
  for (const a of s.ascentWeights) {
    const w = Float64Array.from(retainOnly);
    for (const i of data.forget) w[i] = -a;
    specs.push({
      id: `gd-ga-${fmtWeight(a)}`,
      name: `GD+GA (a=${fmtWeight(a)})`,
      objective: `½‖X_Rθ − y_R‖² + ½λ‖θ‖² − ${fmtWeight(a)}·½‖X_Fθ − y_F‖²`,
      ascentWeight: a,
      target: data.y,
      weights: w,
      lambdaM: s.lambda,
    });
  }
  if (pDm) specs.push({ id: 'dmm', name: 'DMM', objective: '½‖X_S(θ − θ_dm)‖²', ascentWeight: null, target: pDm, weights: all, lambdaM: 0 });
  return specs;
}

interface Context {
  s: LinearSettings;
  data: LinearData;
  cf: ClosedForm;
  pR: Float64Array;
  initial: LinearStudyResult['initial'];
  records: number[];
  lr: number;
}

interface Metrics {
  paramDist: number;
  predErrF: number;
  predErrR: number;
  predErrTest: number;
}

function metrics(ctx: Context, state: Float64Array): Metrics {
  const g = ctx.cf.basis.gap(state, ctx.cf.stateR);
  return {
    paramDist: g.paramDist,
    predErrF: rms(g.dp, ctx.data.forget),
    predErrR: rms(g.dp, ctx.data.retain),
    predErrTest: rms(g.dpTest, null),
  };
}

const ratio = (v: number, d0: number): number => (d0 > 0 ? v / d0 : v);

function emptyCurve(spec: Pick<MethodSpec, 'id' | 'name' | 'objective' | 'ascentWeight'>, kind: LinearMethodCurve['kind']): LinearMethodCurve {
  return {
    id: spec.id,
    name: spec.name,
    kind,
    objective: spec.objective,
    ascentWeight: spec.ascentWeight,
    steps: [],
    paramDist: [],
    relParamDist: [],
    predErrF: [],
    predErrR: [],
    predErrTest: [],
    relPredErrTest: [],
    loss: kind === 'direct' ? null : [],
    diverged: null,
    elapsedMs: 0,
  };
}

function push(curve: LinearMethodCurve, ctx: Context, step: number, m: Metrics, loss: number | null): void {
  curve.steps.push(step);
  curve.paramDist.push(m.paramDist);
  curve.relParamDist.push(ratio(m.paramDist, ctx.initial.paramDist));
  curve.predErrF.push(m.predErrF);
  curve.predErrR.push(m.predErrR);
  curve.predErrTest.push(m.predErrTest);
  curve.relPredErrTest.push(ratio(m.predErrTest, ctx.initial.predErrTest));
  if (curve.loss && loss !== null) curve.loss.push(loss);
}

const allFinite = (m: Metrics, loss: number): boolean =>
  Number.isFinite(m.paramDist) && Number.isFinite(m.predErrF) && Number.isFinite(m.predErrR) && Number.isFinite(m.predErrTest) && Number.isFinite(loss);

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new UnlearnError('cancelled', 'linear study cancelled');
}

function runIterative(ctx: Context, spec: MethodSpec, opts: LinearStudyOptions): LinearMethodCurve {
  const started = performance.now();
  const { basis, stateR } = ctx.cf;
  const n = ctx.s.n;
  const T = ctx.s.steps;
  const curve = emptyCurve(spec, 'iterative');
  const state = Float64Array.from(ctx.cf.state0);
  const p = new Float64Array(n);
  const r = new Float64Array(n);
  const scratch = new Float64Array(basis.dim);
  const { target, weights, lambdaM } = spec;
  const scale = ctx.initial.paramDist > 0 ? ctx.initial.paramDist : Math.max(norm2(ctx.cf.thetaR), 1);
  const limitSq = (ctx.s.divergeFactor * scale) ** 2;
  const loss = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += weights[i] * (p[i] - target[i]) ** 2;
    return 0.5 * s + (lambdaM > 0 ? 0.5 * lambdaM * basis.normSq(state, p) : 0);
  };
  let next = 0;
  for (let t = 0; t <= T; t++) {
    basis.predict(state, p);
    const distSq = basis.distSqCheap(state, p, stateR, ctx.pR);
    const blown = !Number.isFinite(distSq) || distSq > limitSq;
    if (blown || t === ctx.records[next]) {
      const m = metrics(ctx, state);
      const l = loss();
      if (allFinite(m, l)) push(curve, ctx, t, m, l);
      if (blown) {
        curve.diverged = { step: t, reason: Number.isFinite(distSq) && allFinite(m, l) ? 'exploded' : 'non-finite' };
        break;
      }
      next++;
    }
    if (t === T) break;
    for (let i = 0; i < n; i++) r[i] = weights[i] * (p[i] - target[i]);
    basis.step(state, r, ctx.lr, lambdaM, scratch);
    if ((t + 1) % 2000 === 0) {
      checkCancelled(opts.signal);
      opts.onProgress?.(spec.id, t + 1, T);
    }
  }
  curve.elapsedMs = performance.now() - started;
  return curve;
}

function runDirect(ctx: Context, stateDm: Float64Array): LinearMethodCurve {
  const curve = emptyCurve(
    { id: 'dm-direct', name: 'DM-Direct', objective: `none: θ_dm = θ − Σ_{i∈F} (effect of i), ${ctx.s.datamodel}`, ascentWeight: null },
    'direct',
  );
  const m = metrics(ctx, stateDm);
  for (const t of ctx.records) push(curve, ctx, t, m, null);
  return curve;
}

/** Runs the whole study; `input` is validated (defaults filled) with the settings schema. */
export function runLinearStudy(input: unknown, opts: LinearStudyOptions = {}): LinearStudyResult {
  const started = performance.now();
  const s = parseLinearSettings(input);
  const data = makeLinearData(s);
  const cf = solveClosedForm(data, s);
  const lr = s.lr ?? 1 / cf.lambdaMax;
  if (!(lr > 0) || !Number.isFinite(lr)) {
    throw new UnlearnError('bad-config', `linear study: λ_max(XᵀX) = ${cf.lambdaMax}, so no default step size exists; give lr`);
  }
  const pR = new Float64Array(s.n);
  cf.basis.predict(cf.stateR, pR);
  let pDm: Float64Array | null = null;
  if (cf.stateDm) {
    pDm = new Float64Array(s.n);
    cf.basis.predict(cf.stateDm, pDm);
  }
  const ctx: Context = {
    s,
    data,
    cf,
    pR,
    lr,
    records: recordSteps(s.steps, s.recordPerDecade),
    initial: { paramDist: 0, predErrF: 0, predErrR: 0, predErrTest: 0 },
  };
  ctx.initial = metrics(ctx, cf.state0);
  const setupMs = performance.now() - started;

  const methods: LinearMethodCurve[] = [];
  for (const spec of methodSpecs(s, data, pR, pDm)) {
    checkCancelled(opts.signal);
    if (spec.id === 'dmm' && cf.stateDm) methods.push(runDirect(ctx, cf.stateDm));
    methods.push(runIterative(ctx, spec, opts));
  }
  return {
    kind: 'linear-study',
    version: 1,
    settings: s,
    settingsHash: linearSettingsHash(s),
    solver: cf.basis.kind,
    lr,
    lrSource: s.lr === undefined ? 'auto' : 'given',
    lambdaMax: cf.lambdaMax,
    forget: data.forget,
    initial: ctx.initial,
    norms: { theta: norm2(cf.theta), thetaR: norm2(cf.thetaR) },
    theta: Array.from(cf.theta),
    thetaR: Array.from(cf.thetaR),
    thetaDm: cf.thetaDm ? Array.from(cf.thetaDm) : null,
    methods,
    timings: { setupMs, totalMs: performance.now() - started },
  };
}
