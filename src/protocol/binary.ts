/**
 * Numeric arrays cross the seam as base64 of their raw little-endian bytes: a third the size of
 * a JSON number list, exact for floats, and decodable without parsing in the host or a webview.
 */
import type { NpyPayload } from './schemas';

export type NumericArray = Uint8Array | Int32Array | Float32Array | Float64Array;

export function encodeBytes(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeBytes(b64: string): Uint8Array {
  const buf = Buffer.from(b64, 'base64');
  // A fresh, aligned copy: typed-array views over it need 4- or 8-byte alignment.
  return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const CTORS: Record<string, (b: ArrayBuffer) => NumericArray> = {
  uint8: (b) => new Uint8Array(b),
  bool: (b) => new Uint8Array(b),
  int32: (b) => new Int32Array(b),
  float32: (b) => new Float32Array(b),
  float64: (b) => new Float64Array(b),
};

/** The typed array of a `readResult` array payload; throws on a dtype or size mismatch. */
export function decodeNpyPayload(p: NpyPayload): NumericArray {
  const make = CTORS[p.dtype];
  if (!make) throw new Error(`cannot decode dtype ${p.dtype}`);
  const bytes = decodeBytes(p.data);
  const arr = make(bytes.buffer as ArrayBuffer);
  const expected = p.shape.reduce((a, b) => a * b, 1);
  if (arr.length !== expected) throw new Error(`array of shape [${p.shape.join(', ')}] should hold ${expected} values, got ${arr.length}`);
  return arr;
}
