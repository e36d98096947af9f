/**
 * Just enough of the WebAssembly binary format to emit a one-function module that works on
 * tfjs-backend-wasm's heap: the module imports the backend's `WebAssembly.Memory` as
 * env.memory, so its pointers are the backend's byte offsets. There is no wasm toolchain in
 * this project, so our SIMD kernels (simd-gemm.ts, simd-sgd.ts, simd-adam.ts) are written with these helpers.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
/** Block type of a loop that leaves nothing on the stack. */
export const VOID = 0x40;

// Opcodes (WebAssembly core 2.0 and the fixed-width SIMD extension).
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  simd: 0xfd,
};
export const simd = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  const: 0x0c,
  load32Lane: 0x56,
  store32Lane: 0x5a,
  store64Lane: 0x5b,
  load32Zero: 0x5c,
  load64Zero: 0x5d,
  f32x4Splat: 0x13,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
};

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export function simdOp(code: number, ...imm: number[]): number[] {
  return [op.simd, ...uleb(code), ...imm];
}

/** memarg: log2 alignment, byte offset. */
export function memarg(align: number, offset: number): number[] {
  return [...uleb(align), ...uleb(offset)];
}

/** A function body under construction, with the few instruction shapes our kernels use. */
export class Code {
  readonly bytes: number[] = [];
  emit(...parts: (number | number[])[]): void {
    for (const part of parts) {
      if (typeof part === 'number') this.bytes.push(part);
      else this.bytes.push(...part);
    }
  }
}
export const get = (local: number): number[] => [op.get, ...uleb(local)];
export const set = (local: number): number[] => [op.set, ...uleb(local)];
export const tee = (local: number): number[] => [op.tee, ...uleb(local)];
export const i32 = (value: number): number[] => [op.i32Const, ...sleb(value)];

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A module with one exported function `name(params) -> ()` and the imported env.memory. */
export function oneFunctionModule(fnName: string, params: number[], locals: [count: number, type: number][], code: Code): Uint8Array<ArrayBuffer> {
  const body = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code.bytes, op.end];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec(params.map((t) => [t])), ...vec([])]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec([uleb(0)])),
    ...section(7, vec([[...name(fnName), 0x00, ...uleb(0)]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

/**
 * Compiles a module once and instantiates it once per backend memory. Returns undefined where
 * the runtime cannot compile it (no wasm SIMD) or the memory cannot be imported (a threaded
 * build's shared memory: tfjs-backend-wasm never picks that build under Node, but a browser
 * might); callers then keep their stock path.
 */
export function memoryBound<F>(build: () => Uint8Array<ArrayBuffer>, fnName: string): (memory: WebAssembly.Memory) => F | undefined {
  let compiled: WebAssembly.Module | null | undefined;
  const instances = new WeakMap<WebAssembly.Memory, F | null>();
  return (memory) => {
    let fn = instances.get(memory);
    if (fn === undefined) {
      if (compiled === undefined) {
        const bytes = build();
        compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
      }
      if (compiled === null) return undefined;
      try {
        fn = new WebAssembly.Instance(compiled, { env: { memory } }).exports[fnName] as F;
      } catch {
        fn = null;
      }
      instances.set(memory, fn);
    }
    return fn ?? undefined;
  };
}
