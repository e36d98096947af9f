/**
 * One pass of Adam over a parameter tensor, for wasm: the optimizer's dozen elementwise ops
 * (train/optimizer.ts) in one SIMD loop. Same float32 operations in the same order, each
 * rounded to float32 (wasm SIMD has no fused multiply-add; its sqrt and div are IEEE):
 *   g' = g + p·wd (only with weight decay);  m' = m·β1 + g'·(1−β1);  v' = v·β2 + (g'·g')·(1−β2)
 *   p' = p − (m' / (sqrt(v' / c2) + ε)) · (lr / c1)
 * so the trained weights stay bit-identical (tested in wasm-kernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, memoryOffset, wasmMemory } from './wasm-backend';
import { Code, F32, get, i32, I32, memarg, memoryBound, oneFunctionModule, op, set, simd, simdOp, tee, V128, VOID } from './wasm-emit';

/** Kernel name the optimizer looks up; only the wasm backend registers it. */
export const ADAM_STEP = 'UnlearnAdamStep';

/** The scalars exactly as the optimizer's ops use them (JS numbers, rounded to float32 once). */
export interface AdamStepAttrs {
  weightDecay: number;
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  c2: number;
  eps: number;
  stepSize: number;
}

const SCALARS = ['weightDecay', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'c2', 'eps', 'stepSize'] as const;

type AdamFn = (p: number, g: number, m: number, v: number, newP: number, newM: number, newV: number, count4: number, useWd: number, ...scalars: number[]) => void;

function buildModule(): Uint8Array<ArrayBuffer> {
  const [P, G, M, V, NP, NM, NV, COUNT, USE_WD] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const firstScalar = 9;
  const OFF = firstScalar + SCALARS.length;
  const firstSplat = OFF + 1;
  const splat = (name: (typeof SCALARS)[number]): number => firstSplat + SCALARS.indexOf(name);
  const [VP, VG, VM] = [firstSplat + SCALARS.length, firstSplat + SCALARS.length + 1, firstSplat + SCALARS.length + 2];
  const code = new Code();
  const emit = code.emit.bind(code);
  const at = (ptr: number): number[] => [...get(ptr), ...get(OFF), op.i32Add];
  const load = (ptr: number): number[] => [...at(ptr), ...simdOp(simd.load, ...memarg(2, 0))];
  const store = (ptr: number, value: number[]) => emit(at(ptr), value, simdOp(simd.store, ...memarg(2, 0)));
  const [mul, add, sub, div, sqrt] = [simd.f32x4Mul, simd.f32x4Add, simd.f32x4Sub, simd.f32x4Div, simd.f32x4Sqrt].map((c) => simdOp(c));

  SCALARS.forEach((_, i) => emit(get(firstScalar + i), simdOp(simd.f32x4Splat), set(firstSplat + i)));
  emit(get(COUNT), op.i32Eqz, op.brIf, 0); // nothing to do: leave the function body
  emit(i32(0), set(OFF));
  emit(op.loop, VOID);
  emit(load(P), set(VP));
  emit(load(G), set(VG));
  emit(get(USE_WD), op.if, VOID, get(VG), get(VP), get(splat('weightDecay')), mul, add, set(VG), op.end);
  // m' = m·β1 + g·(1−β1)
  emit(load(M), get(splat('beta1')), mul, get(VG), get(splat('oneMinusBeta1')), mul, add, set(VM));
  store(NM, get(VM));
  // v' = v·β2 + (g·g)·(1−β2), left on the stack for the store and reloaded for the update
  store(NV, [...load(V), ...get(splat('beta2')), ...mul, ...get(VG), ...get(VG), ...mul, ...get(splat('oneMinusBeta2')), ...mul, ...add]);
  // p' = p − (m' / (sqrt(v' / c2) + ε))·(lr / c1)
  const denominator = [...at(NV), ...simdOp(simd.load, ...memarg(2, 0)), ...get(splat('c2')), ...div, ...sqrt, ...get(splat('eps')), ...add];
  store(NP, [...get(VP), ...get(VM), ...denominator, ...div, ...get(splat('stepSize')), ...mul, ...sub]);
  emit(get(OFF), i32(16), op.i32Add, set(OFF));
  emit(get(COUNT), i32(1), op.i32Sub, tee(COUNT), op.brIf, 0);
  emit(op.end);
  return oneFunctionModule('adam', [...new Array<number>(9).fill(I32), ...SCALARS.map(() => F32)], [
    [1, I32],
    [SCALARS.length + 3, V128],
  ], code);
}

const simdAdam = memoryBound<AdamFn>(buildModule, 'adam');

/** Undefined where this runtime cannot compile wasm SIMD: the optimizer then keeps its ops. */
export function makeAdamStepConfig(): KernelConfig | undefined {
  if (!WebAssembly.validate(buildModule())) return undefined;
  const kernelFunc: KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasm(rawBackend);
    const { p, g, m, v } = inputs as Record<'p' | 'g' | 'm' | 'v', TensorInfo>;
    const a = attrs as unknown as AdamStepAttrs;
    for (const t of [g, m, v]) tf.util.assert(tf.util.arraysEqual(p.shape, t.shape), () => 'Adam step: parameter, gradient and moment shapes differ');
    for (const t of [p, g, m, v]) tf.util.assert(t.dtype === 'float32', () => 'Adam step: float32 tensors only');
    const memory = wasmMemory(backend);
    const adam = memory && simdAdam(memory);
    const outs = [0, 1, 2].map(() => backend.makeOutput(p.shape, 'float32'));
    const size = tf.util.sizeFromShape(p.shape);
    // Without the SIMD module (a memory it cannot import), the exact JS loop below does it all.
    const count4 = adam ? Math.floor(size / 4) : 0;
    const ptr = [p, g, m, v, ...outs].map((t) => memoryOffset(backend, t));
    const useWd = a.weightDecay > 0;
    if (adam) adam(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], ptr[6], count4, useWd ? 1 : 0, ...SCALARS.map((k) => a[k]));
    // The last size % 4 elements (or all): Math.fround after each double-precision op gives the float32
    // result (also for sqrt and division).
    const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
    const [wd, b1, omb1, b2, omb2, c2, eps, stepSize] = SCALARS.map((k) => Math.fround(a[k]));
    const f = Math.fround;
    const [pp, gp, mp, vp, npp, nmp, nvp] = ptr.map((x) => x / 4);
    for (let i = count4 * 4; i < size; i++) {
      const pv = heap[pp + i];
      const gv = useWd ? f(heap[gp + i] + f(pv * wd)) : heap[gp + i];
      const mt = f(f(heap[mp + i] * b1) + f(gv * omb1));
      const vt = f(f(heap[vp + i] * b2) + f(f(gv * gv) * omb2));
      heap[nmp + i] = mt;
      heap[nvp + i] = vt;
      heap[npp + i] = f(pv - f(f(mt / f(f(Math.sqrt(f(vt / c2))) + eps)) * stepSize));
    }
    return outs;
  };
  return { kernelName: ADAM_STEP, backendName: 'wasm', kernelFunc };
}
