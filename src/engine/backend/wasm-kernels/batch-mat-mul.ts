/**
 * BatchMatMul for wasm. Stock tfjs-backend-wasm sends anything but a single, untransposed
 * product to a scalar C loop (~1-2 GFLOP/s, worse with transposeA).
 *
 * Main path: our wasm-SIMD kernel (simd-gemm.ts) once per batch slice and block of k, reading a
 * (transposed or not) in place in the heap, b through a packed copy of its block, and writing
 * straight into the output. Any M and N (a 4x8 tile with narrower and shorter tiles for the
 * remainder); with transposeB, b's stack is transposed first (b is the weights or the small
 * operand in training).
 *
 * Without wasm SIMD: XNNPACK's fully-connected operator, the stock backend's only fast product,
 * for a [1,M,K]x[1,K,N] product. Every operand is put in that layout first (one wasm Transpose
 * for the whole stack when a transpose is asked for), then XNNPACK runs once per batch slice on
 * views into the stacked buffers. A b shared by all slices becomes a single call with the
 * slices of a stacked into the rows. XNNPACK packs b whenever it meets a new b, which in this
 * build costs about as much as the product itself for [128,784]x[784,64] (docs/wasm-kernels.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GEMM_ROWS, gemmFor } from './simd-gemm';
import { asWasm, cFunction, disposeView, dispose, makeView, memoryOffset, tensorId, transpose, wasmMemory, zeros, type WasmBackend } from './wasm-backend';

/**
 * Below this many multiply-adds per slice, creating an XNNPACK operator costs more than the
 * stock loop saves; measured on 2026-11-29 (see docs/wasm-kernels.md).
 */
const MIN_MACS_PER_SLICE = 4096;

/** 128 KB of b per pass of the SIMD kernel (see simdBatchMatMul). */
const B_BLOCK_FLOATS = 32768;

function xnnMatMul(backend: WasmBackend, a: TensorInfo, b: TensorInfo, out: TensorInfo): void {
  const fn = cFunction(backend, 'BatchMatMul', ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
  const aShape = new Uint8Array(new Int32Array(a.shape).buffer);
  const bShape = new Uint8Array(new Int32Array(b.shape).buffer);
  fn(tensorId(backend, a), aShape, 3, tensorId(backend, b), bShape, 3, 0, 0, tensorId(backend, out));
}

/** Maps a flat output batch index to the flat batch index of an operand under broadcasting. */
function broadcastIndex(outBatch: number[], operandBatch: number[]): (o: number) => number {
  const rank = outBatch.length;
  const padded = new Array<number>(rank - operandBatch.length).fill(1).concat(operandBatch);
  if (tf.util.sizeFromShape(padded) === tf.util.sizeFromShape(outBatch)) return (o) => o;
  if (tf.util.sizeFromShape(padded) === 1) return () => 0;
  return (o) => {
    let rest = o;
    let idx = 0;
    let stride = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const coord = rest % outBatch[d];
      rest = Math.floor(rest / outBatch[d]);
      if (padded[d] !== 1) idx += coord * stride;
      stride *= padded[d];
    }
    return idx;
  };
}

interface ProductShape {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
  outShape: number[];
  outBatch: number[];
  batchShapeA: number[];
  batchShapeB: number[];
}

/** Every output slice with the SIMD kernel (undefined without wasm SIMD); a is read in place even when transposed. */
function simdBatchMatMul(backend: WasmBackend, memory: WebAssembly.Memory, a: TensorInfo, b: TensorInfo, p: ProductShape): TensorInfo | undefined {
  const { m, k, n } = p;
  // Element strides of a(i, kk) along i and along kk.
  const [sAi, sAk] = p.transposeA ? [1, m] : [k, 1];
  const gemm = gemmFor(memory, m, n, { sAi, sAk, ld: n });
  if (!gemm) return undefined;
  const batchB = tf.util.sizeFromShape(p.batchShapeB);
  // Rows of b per pass, so that its packed block, which every row tile sweeps, stays in the L2 cache.
  const kBlock = Math.min(k, Math.max(GEMM_ROWS, Math.floor(B_BLOCK_FLOATS / n)));
  const bRows = p.transposeB ? transpose(backend, { dataId: b.dataId, dtype: b.dtype, shape: [batchB, n, k] }, [0, 2, 1]) : b;
  let out: TensorInfo | undefined;
  let panels: TensorInfo | undefined;
  try {
    out = backend.makeOutput(p.outShape, 'float32');
    panels = backend.makeOutput([kBlock * n], 'float32');
    const idxA = broadcastIndex(p.outBatch, p.batchShapeA);
    const idxB = broadcastIndex(p.outBatch, p.batchShapeB);
    const aAt = memoryOffset(backend, a);
    const bAt = memoryOffset(backend, bRows);
    const outAt = memoryOffset(backend, out);
    const panelsAt = memoryOffset(backend, panels);
    const batch = tf.util.sizeFromShape(p.outBatch);
    for (let o = 0; o < batch; o++) {
      const aSlice = aAt + idxA(o) * m * k * 4;
      const bSlice = bAt + idxB(o) * k * n * 4;
      for (let k0 = 0; k0 < k; k0 += kBlock) {
        gemm(aSlice + k0 * sAk * 4, bSlice + k0 * n * 4, outAt + o * m * n * 4, Math.min(kBlock, k - k0), k0 > 0 ? 1 : 0, panelsAt);
      }
    }
    return out;
  } catch (e) {
    if (out) dispose(backend, out);
    throw e;
  } finally {
    if (panels) dispose(backend, panels);
    if (bRows !== b) dispose(backend, bRows);
  }
}

export function makeBatchMatMulConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: rawBackend, attrs }) => {
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock.kernelFunc({ inputs, backend: rawBackend, attrs });
    const backend = asWasm(rawBackend);

    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    tf.util.assert(k === kb, () => `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
    const batchShapeA = a.shape.slice(0, -2);
    const batchShapeB = b.shape.slice(0, -2);
    const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB);
    const outShape = [...outBatch, m, n];
    const batchA = tf.util.sizeFromShape(batchShapeA);
    const batchB = tf.util.sizeFromShape(batchShapeB);
    const batch = tf.util.sizeFromShape(outBatch);

    if (m * n * batch === 0 || k === 0) return zeros(backend, outShape, 'float32');
    // The stock loop only broadcasts a whole flat batch of one, so keep other broadcasts here.
    const stockCanBroadcast = batchA === batchB || batchA === 1 || batchB === 1;
    if (m * n * k < MIN_MACS_PER_SLICE && stockCanBroadcast) return stock.kernelFunc({ inputs, backend: rawBackend, attrs });
    const memory = wasmMemory(backend);
    if (memory) {
      const shape = { m, k, n, transposeA, transposeB, outShape, outBatch, batchShapeA, batchShapeB };
      const out = simdBatchMatMul(backend, memory, a, b, shape);
      if (out) return out;
    }
    const stockIsFast = batch === 1 && !transposeA && !transposeB;
    if (stockIsFast) return stock.kernelFunc({ inputs, backend: rawBackend, attrs });

    // Bring both operands to row-major [batch, M, K] and [batch, K, N].
    const aRows = transposeA ? transpose(backend, { dataId: a.dataId, dtype: a.dtype, shape: [batchA, k, m] }, [0, 2, 1]) : a;
    const bRows = transposeB ? transpose(backend, { dataId: b.dataId, dtype: b.dtype, shape: [batchB, n, k] }, [0, 2, 1]) : b;
    const out = backend.makeOutput(outShape, 'float32');
    const views: TensorInfo[] = [];
    try {
      if (batchB === 1) {
        // b is shared by every slice (batch 1 or broadcast), so batch === batchA: stack a's
        // slices into the rows of one product and XNNPACK packs b once.
        const av = makeView(backend, aRows, 0, [1, batchA * m, k]);
        const bv = makeView(backend, bRows, 0, [1, k, n]);
        const ov = makeView(backend, out, 0, [1, batchA * m, n]);
        views.push(av, bv, ov);
        xnnMatMul(backend, av, bv, ov);
      } else {
        const idxA = broadcastIndex(outBatch, batchShapeA);
        const idxB = broadcastIndex(outBatch, batchShapeB);
        // Views are shared per operand slice so a b reused by several outputs keeps its packed operator.
        const aViews = new Map<number, TensorInfo>();
        const bViews = new Map<number, TensorInfo>();
        const viewOf = (cache: Map<number, TensorInfo>, src: TensorInfo, i: number, shape: number[]): TensorInfo => {
          let v = cache.get(i);
          if (!v) {
            v = makeView(backend, src, i * shape[1] * shape[2], shape);
            cache.set(i, v);
            views.push(v);
          }
          return v;
        };
        for (let o = 0; o < batch; o++) {
          const av = viewOf(aViews, aRows, idxA(o), [1, m, k]);
          const bv = viewOf(bViews, bRows, idxB(o), [1, k, n]);
          const ov = makeView(backend, out, o * m * n, [1, m, n]);
          xnnMatMul(backend, av, bv, ov);
          disposeView(backend, ov);
        }
      }
    } catch (e) {
      dispose(backend, out);
      throw e;
    } finally {
      for (const v of views) disposeView(backend, v);
      if (aRows !== a) dispose(backend, aRows);
      if (bRows !== b) dispose(backend, bRows);
    }
    return out;
  };
  return { kernelName: tf.BatchMatMul, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc };
}
