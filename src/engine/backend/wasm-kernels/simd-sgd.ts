/**
 * One pass of SGD with momentum and weight decay over a parameter tensor, for wasm. The
 * optimizer's six elementwise ops (train/optimizer.ts) each read and write the whole stack:
 * about 18 ms per step for the 3.2 M weights of 50 MLP 784-64-10 models, an eighth of the step.
 *
 * The kernel computes exactly what those ops compute, in the same order, with every
 * multiply and add rounded to float32 (wasm SIMD has no fused multiply-add):
 *   g' = g + p·wd;  u = buf·μ + g';  p' = p − u·lr
 * so the trained weights stay bit-identical (tested in wasm-kernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, memoryOffset, wasmMemory } from './wasm-backend';
import { Code, F32, get, i32, I32, memarg, memoryBound, oneFunctionModule, op, set, simd, simdOp, tee, V128, VOID } from './wasm-emit';

/** Kernel name the optimizer looks up; only the wasm backend registers it. */
export const SGD_MOMENTUM_STEP = 'UnlearnSgdMomentumStep';

export interface SgdMomentumStepAttrs {
  weightDecay: number;
  momentum: number;
  lr: number;
}

/** Over `count4` groups of 4 floats: p, g, buf in; newP, newBuf out (byte offsets). */
type SgdFn = (p: number, g: number, buf: number, newP: number, newBuf: number, count4: number, wd: number, mu: number, lr: number) => void;

function buildModule(): Uint8Array<ArrayBuffer> {
  const [P, G, BUF, NP, NB, COUNT, WD, MU, LR] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const OFF = 9;
  const [VWD, VMU, VLR, VP, VU] = [10, 11, 12, 13, 14];
  const code = new Code();
  const emit = code.emit.bind(code);
  const load = (ptr: number): number[] => [...get(ptr), ...get(OFF), op.i32Add, ...simdOp(simd.load, ...memarg(2, 0))];
  const store = (ptr: number, value: number[]) => emit(get(ptr), get(OFF), op.i32Add, value, simdOp(simd.store, ...memarg(2, 0)));
  const mul = simdOp(simd.f32x4Mul);
  const add = simdOp(simd.f32x4Add);
  const sub = simdOp(simd.f32x4Sub);

  emit(get(WD), simdOp(simd.f32x4Splat), set(VWD));
  emit(get(MU), simdOp(simd.f32x4Splat), set(VMU));
  emit(get(LR), simdOp(simd.f32x4Splat), set(VLR));
  emit(get(COUNT), op.i32Eqz, op.brIf, 0); // nothing to do: leave the function body
  emit(i32(0), set(OFF));
  emit(op.loop, VOID);
  emit(load(P), set(VP));
  // u = buf·μ + (g + p·wd)
  emit(load(BUF), get(VMU), mul, load(G), get(VP), get(VWD), mul, add, add, set(VU));
  store(NB, get(VU));
  store(NP, [...get(VP), ...get(VU), ...get(VLR), ...mul, ...sub]);
  emit(get(OFF), i32(16), op.i32Add, set(OFF));
  emit(get(COUNT), i32(1), op.i32Sub, tee(COUNT), op.brIf, 0);
  emit(op.end);
  return oneFunctionModule('sgd', [I32, I32, I32, I32, I32, I32, F32, F32, F32], [
    [1, I32],
    [5, V128],
  ], code);
}

const simdSgd = memoryBound<SgdFn>(buildModule, 'sgd');

/** Undefined where this runtime cannot compile wasm SIMD: the optimizer then keeps its ops. */
export function makeSgdMomentumStepConfig(): KernelConfig | undefined {
  if (!WebAssembly.validate(buildModule())) return undefined;
  const kernelFunc: KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasm(rawBackend);
    const { p, g, buf } = inputs as Record<'p' | 'g' | 'buf', TensorInfo>;
    const { weightDecay, momentum, lr } = attrs as unknown as SgdMomentumStepAttrs;
    tf.util.assert(tf.util.arraysEqual(p.shape, g.shape) && tf.util.arraysEqual(p.shape, buf.shape), () => 'SGD step: parameter, gradient and momentum shapes differ');
    tf.util.assert(p.dtype === 'float32' && g.dtype === 'float32' && buf.dtype === 'float32', () => 'SGD step: float32 tensors only');
    const memory = wasmMemory(backend);
    const sgd = memory && simdSgd(memory);
    const newP = backend.makeOutput(p.shape, 'float32');
    const newBuf = backend.makeOutput(p.shape, 'float32');
    const size = tf.util.sizeFromShape(p.shape);
    // Without the SIMD module (a memory it cannot import), the exact JS loop below does it all.
    const count4 = sgd ? Math.floor(size / 4) : 0;
    const [pAt, gAt, bufAt, npAt, nbAt] = [p, g, buf, newP, newBuf].map((t) => memoryOffset(backend, t));
    if (sgd) sgd(pAt, gAt, bufAt, npAt, nbAt, count4, weightDecay, momentum, lr);
    // The last size % 4 elements (or all): Math.fround after each double-precision op gives the float32 result.
    const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
    const [wd, mu, rate] = [weightDecay, momentum, lr].map(Math.fround);
    for (let i = count4 * 4; i < size; i++) {
      const pv = heap[pAt / 4 + i];
      const u = Math.fround(Math.fround(heap[bufAt / 4 + i] * mu) + Math.fround(heap[gAt / 4 + i] + Math.fround(pv * wd)));
      heap[nbAt / 4 + i] = u;
      heap[npAt / 4 + i] = Math.fround(pv - Math.fround(u * rate));
    }
    return [newP, newBuf];
  };
  return { kernelName: SGD_MOMENTUM_STEP, backendName: 'wasm', kernelFunc };
}
