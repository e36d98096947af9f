/**
 * A small wasm-SIMD matrix product that runs inside tfjs-backend-wasm's own memory.
 *
 * Why: the stock backend's only fast product is XNNPACK's fully-connected operator, which packs
 * its weight operand when it is created, at about 12-16 ns per weight in this build (measured
 * 2026-11-29, docs/wasm-kernels.md). Training changes every weight every step, so a stack of
 * [128,784]x[784,64] slices paid as much for packing as for multiplying. This kernel reads a in
 * place (no transposed copy) and copies b's current block of rows into panels with a plain SIMD
 * copy: one pass over b that costs a few percent of the product and saves more in cache misses.
 *
 * Each output element is accumulated from 0 in increasing k with a separate multiply and add,
 * the order XNNPACK's wasm-SIMD kernels use, so results match the XNNPACK path bit for bit
 * (checked by the wasm-kernels tests). Tiling only changes which elements are computed
 * together, never the order of one element's sum, so every tile shape gives the same bits.
 *
 * The modules are emitted with wasm-emit.ts and work in place on the backend's heap.
 */
import { Code, get, i32, I32, memarg, memoryBound, oneFunctionModule, op, set, simd, simdOp, tee, V128, VOID } from './wasm-emit';

/**
 * Over rows [0,m) and columns [0,n) of the output: c(i,j) = Σk A(i,k)·b(k,j), with A(i,k) at
 * a + 4·(i·sAi + k·sAk), b in panels (PackFn): b(k,j) at b + 4·(j0·kc + k·cols + j − j0) with j0
 * the first column of j's tile, and c(i,j) at c + 4·(i·ld + j); pointers are byte offsets, m and n
 * multiples of the tile, the strides built into the kernel. With `accumulate` 1, the sums
 * continue from the values already in c (for blocking over k: a float32 partial sum stored and
 * reloaded is exact, so the result is the same bits as one pass).
 */
type TileFn = (a: number, b: number, c: number, m: number, kc: number, n: number, accumulate: number) => void;

/**
 * Copies `tiles` strips of b, each `cols` wide and kc rows long, from src (rows ld apart) into
 * one panel after another at dst: the tile kernel then reads b sequentially. Read in place, b's
 * rows are 1 KB apart for N = 256, so a tile's k loop maps onto 4 of the L1 cache's 64 sets and
 * misses on every row (measured: docs/wasm-kernels.md).
 */
type PackFn = (src: number, dst: number, kc: number, tiles: number) => void;

/** Rows and columns of the main register tile (measured against others: docs/wasm-kernels.md). */
export const GEMM_ROWS = 4;
export const GEMM_COLS = 8;

/** Element strides of a product: A(i,k) at i·sAi + k·sAk; b's rows and c's rows ld apart. */
export interface GemmStrides {
  sAi: number;
  sAk: number;
  ld: number;
}

/**
 * Pushes the `width` (1-4) floats at ptr+offset as a vector whose other lanes are 0. A last
 * vector of 1-3 columns uses lane loads and stores, so nothing past a row's end is touched.
 */
function loadPart(ptr: number, offset: number, width: number): number[] {
  if (width === 4) return [...get(ptr), ...simdOp(simd.load, ...memarg(2, offset))];
  if (width === 1) return [...get(ptr), ...simdOp(simd.load32Zero, ...memarg(2, offset))];
  const two = [...get(ptr), ...simdOp(simd.load64Zero, ...memarg(2, offset))];
  if (width === 2) return two;
  // Three: the first two, then the third into lane 2.
  return [...get(ptr), ...two, ...simdOp(simd.load32Lane, ...memarg(2, offset + 8), 2)];
}

/** Stores the first `width` (1-4) lanes of local `v` at ptr+offset. */
function storePart(ptr: number, offset: number, v: number, width: number): number[] {
  if (width === 4) return [...get(ptr), ...get(v), ...simdOp(simd.store, ...memarg(2, offset))];
  const out: number[] = [];
  if (width >= 2) out.push(...get(ptr), ...get(v), ...simdOp(simd.store64Lane, ...memarg(2, offset), 0));
  if (width !== 2) out.push(...get(ptr), ...get(v), ...simdOp(simd.store32Lane, ...memarg(2, offset + (width === 3 ? 8 : 0)), width === 3 ? 2 : 0));
  return out;
}

const widthsOf = (cols: number) => Array.from({ length: Math.ceil(cols / 4) }, (_, h) => Math.min(4, cols - 4 * h));

/**
 * A register tile of `rows` x `cols` (cols 1..16; the last vector may be partial) for one set
 * of strides: they are constants of the kernel, so a's rows are static offsets from one pointer.
 */
function buildTile(rows: number, cols: number, { sAi, sAk, ld }: GemmStrides): Uint8Array<ArrayBuffer> {
  const widths = widthsOf(cols);
  const vecs = widths.length;
  // Parameters 0..6: a, b, c, m, kc, n, accumulate.
  const [A, B, C, M, KC, N, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6];
  // i32 locals.
  let next = 7;
  const I = next++;
  const J = next++;
  const KK = next++;
  const PA = next++;
  const PB = next++;
  const PC = next++;
  const i32Locals = next - 7;
  // v128 locals: rows·vecs accumulators, the vecs of b's row, one splat of a.
  const ACC = Array.from({ length: rows * vecs }, () => next++);
  const BV = Array.from({ length: vecs }, () => next++);
  const AV = next++;
  const v128Locals = ACC.length + BV.length + 1;

  const code = new Code();
  const emit = code.emit.bind(code);
  const zero = simdOp(simd.const, ...new Array<number>(16).fill(0));
  const cOffset = (r: number, h: number) => 4 * (r * ld + 4 * h);

  emit(i32(0), set(I));
  emit(op.loop, VOID); // rows, a tile at a time
  emit(i32(0), set(J));
  emit(op.loop, VOID); // columns, a tile at a time
  // pc = c + (i·ld + j)·4
  emit(get(C), get(I), i32(4 * ld), op.i32Mul, op.i32Add, get(J), i32(2), op.i32Shl, op.i32Add, set(PC));
  emit(get(ACCUMULATE), op.if, VOID);
  for (let r = 0; r < rows; r++) for (let h = 0; h < vecs; h++) emit(loadPart(PC, cOffset(r, h), widths[h]), set(ACC[r * vecs + h]));
  emit(op.else);
  for (const acc of ACC) emit(zero, set(acc));
  emit(op.end);
  // pa = a + i·sAi·4; pb = b + j·kc·4 (this column tile's panel)
  emit(get(A), get(I), i32(4 * sAi), op.i32Mul, op.i32Add, set(PA));
  emit(get(B), get(J), get(KC), op.i32Mul, i32(2), op.i32Shl, op.i32Add, set(PB));
  emit(get(KC), set(KK));
  emit(op.loop, VOID); // k, one row of the panel at a time
  for (let h = 0; h < vecs; h++) emit(loadPart(PB, 16 * h, widths[h]), set(BV[h]));
  for (let r = 0; r < rows; r++) {
    emit(get(PA), simdOp(simd.load32Splat, ...memarg(2, 4 * r * sAi)), set(AV));
    for (let h = 0; h < vecs; h++) {
      const acc = ACC[r * vecs + h];
      // acc + a·b: the multiply and the add round separately, as in XNNPACK's kernels.
      emit(get(acc), get(AV), get(BV[h]), simdOp(simd.f32x4Mul), simdOp(simd.f32x4Add), set(acc));
    }
  }
  emit(get(PA), i32(4 * sAk), op.i32Add, set(PA));
  emit(get(PB), i32(4 * cols), op.i32Add, set(PB));
  emit(get(KK), i32(1), op.i32Sub, tee(KK), op.brIf, 0);
  emit(op.end);
  for (let r = 0; r < rows; r++) for (let h = 0; h < vecs; h++) emit(storePart(PC, cOffset(r, h), ACC[r * vecs + h], widths[h]));
  emit(get(J), i32(cols), op.i32Add, tee(J), get(N), op.i32LtU, op.brIf, 0);
  emit(op.end);
  emit(get(I), i32(rows), op.i32Add, tee(I), get(M), op.i32LtU, op.brIf, 0);
  emit(op.end);
  return oneFunctionModule('gemm', new Array<number>(7).fill(I32), [
    [i32Locals, I32],
    [v128Locals, V128],
  ], code);
}

function buildPack(cols: number, ld: number): Uint8Array<ArrayBuffer> {
  const widths = widthsOf(cols);
  // Parameters 0..3: src, dst, kc, tiles.
  const [SRC, DST, KC, TILES] = [0, 1, 2, 3];
  const [KK, PS] = [4, 5];
  const V = 6;
  const code = new Code();
  const emit = code.emit.bind(code);
  emit(op.loop, VOID); // tiles
  emit(get(SRC), set(PS));
  emit(get(KC), set(KK));
  emit(op.loop, VOID); // rows of the strip
  for (let h = 0; h < widths.length; h++) {
    emit(loadPart(PS, 16 * h, widths[h]), set(V));
    emit(storePart(DST, 16 * h, V, widths[h]));
  }
  emit(get(PS), i32(4 * ld), op.i32Add, set(PS));
  emit(get(DST), i32(4 * cols), op.i32Add, set(DST));
  emit(get(KK), i32(1), op.i32Sub, tee(KK), op.brIf, 0);
  emit(op.end);
  emit(get(SRC), i32(4 * cols), op.i32Add, set(SRC));
  emit(get(TILES), i32(1), op.i32Sub, tee(TILES), op.brIf, 0);
  emit(op.end);
  return oneFunctionModule('pack', new Array<number>(4).fill(I32), [
    [2, I32],
    [1, V128],
  ], code);
}

/** Compiled modules by shape and strides; a training run uses a handful, so a small bound suffices. */
const modules = new Map<string, (memory: WebAssembly.Memory) => unknown>();
const MAX_MODULES = 64;

/** Compiled on first use (about 3 ms a module here, once per shape in a training run); the least recently used is dropped past MAX_MODULES. */
function cached<F>(key: string, build: () => Uint8Array<ArrayBuffer>, fnName: string, memory: WebAssembly.Memory): F | undefined {
  let bound = modules.get(key);
  if (bound) modules.delete(key);
  else bound = memoryBound<F>(build, fnName);
  modules.set(key, bound);
  if (modules.size > MAX_MODULES) modules.delete(modules.keys().next().value as string);
  return bound(memory) as F | undefined;
}

/**
 * One k block of a product: c (+)= A·b over kc rows of b (a and b point at the block's first
 * k), with `panels` a scratch area of kc·n floats (byte offset) for the packed copy of b.
 */
export type GemmBlock = (a: number, b: number, c: number, kc: number, accumulate: number, panels: number) => void;

/**
 * The product c[m,n] = A·b for one set of strides, bound to one wasm memory (one per backend
 * instance), or undefined where this runtime cannot compile wasm SIMD; callers then keep the
 * XNNPACK path. The output is cut into at most four rectangles, each a whole number of one
 * kernel's tiles: the main GEMM_ROWS x GEMM_COLS tile, a narrower one for the remainder columns
 * (n not a multiple of GEMM_COLS), a shorter one for the remainder rows, and their corner.
 */
export function gemmFor(memory: WebAssembly.Memory, m: number, n: number, strides: GemmStrides): GemmBlock | undefined {
  const { sAi, sAk, ld } = strides;
  /** [start, count, tile size] of the main tiles and of the remainder. */
  const split = (size: number, tile: number) => {
    const main = size - (size % tile);
    return [[0, main, tile], [main, size - main, size - main]].filter(([, count]) => count > 0);
  };
  const packs: { fn: PackFn; col0: number; tiles: number }[] = [];
  for (const [col0, cols, tc] of split(n, GEMM_COLS)) {
    const fn = cached<PackFn>(`pack ${tc} ${ld}`, () => buildPack(tc, ld), 'pack', memory);
    if (!fn) return undefined;
    packs.push({ fn, col0, tiles: cols / tc });
  }
  const parts: { fn: TileFn; row0: number; rows: number; col0: number; cols: number }[] = [];
  for (const [row0, rows, tr] of split(m, GEMM_ROWS)) {
    for (const [col0, cols, tc] of split(n, GEMM_COLS)) {
      const fn = cached<TileFn>(`tile ${tr}x${tc} ${sAi},${sAk},${ld}`, () => buildTile(tr, tc, strides), 'gemm', memory);
      if (!fn) return undefined;
      parts.push({ fn, row0, rows, col0, cols });
    }
  }
  return (a, b, c, kc, accumulate, panels) => {
    // A strip of columns starting at col0 has its panels at panels + 4·kc·col0.
    for (const p of packs) p.fn(b + 4 * p.col0, panels + 4 * kc * p.col0, kc, p.tiles);
    for (const p of parts) p.fn(a + 4 * p.row0 * sAi, panels + 4 * kc * p.col0, c + 4 * (p.row0 * ld + p.col0), p.rows, kc, p.cols, accumulate);
  };
}
