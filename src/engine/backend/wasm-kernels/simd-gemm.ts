/**
 * A small wasm-SIMD matrix product that runs inside tfjs-backend-wasm's own memory.
 *
 * Why: the stock backend's only fast product is XNNPACK's fully-connected operator, which packs
 * its weight operand when it is created, at about 12-16 ns per weight in this build (measured
 * 2026-11-29, docs/wasm-kernels.md). Training changes every weight every step, so a stack of
 * [128,784]x[784,64] slices paid as much for packing as for multiplying. This kernel reads both
 * operands in place (no packing, no transposed copy of a), so the cost is the arithmetic.
 *
 * Each output element is accumulated from 0 in increasing k with a separate multiply and add,
 * the order XNNPACK's wasm-SIMD kernels use, so results match the XNNPACK path bit for bit
 * (checked by the wasm-kernels tests).
 *
 * The module is emitted with wasm-emit.ts and works in place on the backend's heap.
 */
import { Code, get, i32, I32, memarg, memoryBound, oneFunctionModule, op, set, simd, simdOp, tee, V128, VOID } from './wasm-emit';

/**
 * c[M,N] = A·b[K,N] with A(i,k) at a + 4·(i·sAi + k·sAk); all pointers are byte offsets. With
 * `accumulate` 1, the sums continue from the values already in c (for blocking over k: a float32
 * partial sum stored and reloaded is exact, so the result is the same bits as one pass).
 */
export type GemmFn = (a: number, b: number, c: number, m: number, k: number, n: number, sAi: number, sAk: number, accumulate: number) => void;

/** Rows and columns per register tile: M must be a multiple of ROWS and N of COLS. */
export const GEMM_ROWS = 4;
export const GEMM_COLS = 8;

function buildModule(): Uint8Array<ArrayBuffer> {
  // Parameters 0..8: a, b, c, m, k, n, sAi, sAk, accumulate.
  const [A, B, C, M, K, N, SAI, SAK, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  // i32 locals.
  const I = 9;
  const J = 10;
  const KK = 11;
  const PA = [12, 13, 14, 15];
  const PB = 16;
  const PC = 17;
  const ROWB = 18;
  const SAI4 = 19;
  const SAK4 = 20;
  const i32Locals = 12;
  // v128 locals: 8 accumulators, 2 b vectors, 1 a splat.
  const ACC = [21, 22, 23, 24, 25, 26, 27, 28];
  const BV = [29, 30];
  const AV = 31;
  const v128Locals = 11;

  const code = new Code();
  const emit = code.emit.bind(code);
  const times4 = [...i32(2), op.i32Shl];
  const zero = simdOp(simd.const, ...new Array<number>(16).fill(0));

  emit(get(N), times4, set(ROWB));
  emit(get(SAI), times4, set(SAI4));
  emit(get(SAK), times4, set(SAK4));
  emit(i32(0), set(I));
  emit(op.loop, VOID); // rows, GEMM_ROWS at a time
  emit(i32(0), set(J));
  emit(op.loop, VOID); // columns, GEMM_COLS at a time
  // pc = c + (i·n + j)·4
  emit(get(C), get(I), get(N), op.i32Mul, get(J), op.i32Add, times4, op.i32Add, set(PC));
  emit(get(ACCUMULATE), op.if, VOID);
  for (let r = 0; r < GEMM_ROWS; r++) {
    for (let h = 0; h < 2; h++) emit(get(PC), simdOp(simd.load, ...memarg(2, 16 * h)), set(ACC[r * 2 + h]));
    emit(get(PC), get(ROWB), op.i32Add, set(PC));
  }
  emit(op.else);
  for (const acc of ACC) emit(zero, set(acc));
  emit(op.end);
  // pa[r] = a + (i + r)·sAi·4; pb = b + j·4
  emit(get(A), get(I), get(SAI4), op.i32Mul, op.i32Add, set(PA[0]));
  for (let r = 1; r < GEMM_ROWS; r++) emit(get(PA[r - 1]), get(SAI4), op.i32Add, set(PA[r]));
  emit(get(B), get(J), times4, op.i32Add, set(PB));
  emit(get(K), set(KK));
  emit(op.loop, VOID); // k, one row of b at a time
  emit(get(PB), simdOp(simd.load, ...memarg(2, 0)), set(BV[0]));
  emit(get(PB), simdOp(simd.load, ...memarg(2, 16)), set(BV[1]));
  for (let r = 0; r < GEMM_ROWS; r++) {
    emit(get(PA[r]), simdOp(simd.load32Splat, ...memarg(2, 0)), set(AV));
    for (let h = 0; h < 2; h++) {
      const acc = ACC[r * 2 + h];
      // acc + a·b: the multiply and the add round separately, as in XNNPACK's kernels.
      emit(get(acc), get(AV), get(BV[h]), simdOp(simd.f32x4Mul), simdOp(simd.f32x4Add), set(acc));
    }
    emit(get(PA[r]), get(SAK4), op.i32Add, set(PA[r]));
  }
  emit(get(PB), get(ROWB), op.i32Add, set(PB));
  emit(get(KK), i32(1), op.i32Sub, tee(KK), op.brIf, 0);
  emit(op.end);
  emit(get(C), get(I), get(N), op.i32Mul, get(J), op.i32Add, times4, op.i32Add, set(PC));
  for (let r = 0; r < GEMM_ROWS; r++) {
    emit(get(PC), get(ACC[r * 2]), simdOp(simd.store, ...memarg(2, 0)));
    emit(get(PC), get(ACC[r * 2 + 1]), simdOp(simd.store, ...memarg(2, 16)));
    emit(get(PC), get(ROWB), op.i32Add, set(PC));
  }
  emit(get(J), i32(GEMM_COLS), op.i32Add, tee(J), get(N), op.i32LtU, op.brIf, 0);
  emit(op.end);
  emit(get(I), i32(GEMM_ROWS), op.i32Add, tee(I), get(M), op.i32LtU, op.brIf, 0);
  emit(op.end);
  return oneFunctionModule('gemm', new Array<number>(9).fill(I32), [
    [i32Locals, I32],
    [v128Locals, V128],
  ], code);
}

/**
 * The kernel bound to one wasm memory (one per backend instance), or undefined where this
 * runtime cannot compile wasm SIMD; callers then keep the XNNPACK path.
 */
export const simdGemm = memoryBound<GemmFn>(buildModule, 'gemm');
