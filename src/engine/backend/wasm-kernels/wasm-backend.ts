/**
 * A narrow, typed view of the wasm backend's internals that our kernels rely on. The published
 * `BackendWasm` typings lean on Emscripten globals we do not have types for, so we describe
 * only what we touch and check it once at run time: if a future tfjs release renames any of it,
 * we want a clear error, not a silent mis-computation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DataId, DataType, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

type CwrapArg = 'number' | 'array';
type CFunction = (...args: (number | Uint8Array | boolean)[]) => void;

interface WasmModule {
  HEAPU8: Uint8Array;
  cwrap(name: string, ret: null, args: CwrapArg[]): CFunction;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
  /** Emscripten's export object; its `memory` is the heap, shared with our SIMD module. */
  asm?: { memory?: unknown };
}

export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: {
    get(dataId: DataId): WasmTensorData | undefined;
    delete(dataId: DataId): boolean;
  };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
  numDataIds(): number;
}

export function asWasm(backend: unknown): WasmBackend {
  const b = backend as Partial<WasmBackend> | null;
  if (!b || !b.wasm || typeof b.makeOutput !== 'function' || typeof b.incRef !== 'function' || !b.dataIdMap || typeof b.wasm.cwrap !== 'function') {
    throw new Error('wasm training kernels: the backend does not look like tfjs-backend-wasm 4.x');
  }
  return b as WasmBackend;
}

function record(backend: WasmBackend, t: TensorInfo): WasmTensorData {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('wasm training kernels: tensor data is not on the wasm backend');
  return d;
}

export function tensorId(backend: WasmBackend, t: TensorInfo): number {
  return record(backend, t).id;
}

/**
 * A fresh Float32Array over a tensor's heap memory. Must be re-taken after anything that may
 * allocate (makeOutput, other kernels): heap growth detaches earlier views.
 */
export function f32(backend: WasmBackend, t: TensorInfo): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, record(backend, t).memoryOffset, tf.util.sizeFromShape(t.shape));
}

/** Byte offset of a tensor's data in the wasm heap (stable: heap growth keeps offsets). */
export function memoryOffset(backend: WasmBackend, t: TensorInfo): number {
  return record(backend, t).memoryOffset;
}

export function i32(backend: WasmBackend, t: TensorInfo): Int32Array {
  return new Int32Array(backend.wasm.HEAPU8.buffer, record(backend, t).memoryOffset, tf.util.sizeFromShape(t.shape));
}

/**
 * A tensor that aliases part of another one's heap memory, so per-slice XNNPACK calls read and
 * write in place instead of copying every slice in and out. It must be released with
 * `disposeView`, never `disposeData`, which would free the parent's memory.
 */
export function makeView(backend: WasmBackend, parent: TensorInfo, elementOffset: number, shape: number[]): TensorInfo {
  const base = record(backend, parent);
  return backend.makeOutput(shape, parent.dtype, base.memoryOffset + elementOffset * 4);
}

export function disposeView(backend: WasmBackend, view: TensorInfo): void {
  const d = record(backend, view);
  // Runs the C++ disposal callbacks too, which drop XNNPACK operators cached for this id.
  backend.wasm.tfjs.disposeData(d.id);
  backend.dataIdMap.delete(view.dataId);
}

/** The backend's `WebAssembly.Memory`, or undefined if this build does not expose it. */
export function wasmMemory(backend: WasmBackend): WebAssembly.Memory | undefined {
  const memory = backend.wasm.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

export function dispose(backend: WasmBackend, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

const cwrapCache = new WeakMap<WasmModule, Map<string, CFunction>>();

/** Looks up a C export of the wasm module once per module instance. */
export function cFunction(backend: WasmBackend, name: string, args: CwrapArg[]): CFunction {
  let byName = cwrapCache.get(backend.wasm);
  if (!byName) {
    byName = new Map();
    cwrapCache.set(backend.wasm, byName);
  }
  let fn = byName.get(name);
  if (!fn) {
    fn = backend.wasm.cwrap(name, null, args);
    byName.set(name, fn);
  }
  return fn;
}

/** Calls whichever wasm kernel is currently registered under `name` (stock or ours). */
export function runKernel(name: string, backend: WasmBackend, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`wasm training kernels: kernel ${name} is not registered for wasm`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm training kernels: kernel ${name} returned several outputs`);
  return out;
}

export function transpose(backend: WasmBackend, x: TensorInfo, perm: number[]): TensorInfo {
  return runKernel('Transpose', backend, { x }, { perm });
}

/** makeOutput does not clear its malloc'd memory; kernels that accumulate need zeros. */
export function zeros(backend: WasmBackend, shape: number[], dtype: DataType): TensorInfo {
  const out = backend.makeOutput(shape, dtype);
  if (dtype === 'int32') i32(backend, out).fill(0);
  else f32(backend, out).fill(0);
  return out;
}
