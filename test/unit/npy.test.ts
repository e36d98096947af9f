import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy, encodeNpy, readNpy, type NpyArray } from '../../src/engine/store/npy';
import { UnlearnError } from '../../src/engine/errors';

// Written by numpy 2.x (test/fixtures/npy/make-fixtures.py); checked in so no python is needed.
const fixtures = join(__dirname, '..', 'fixtures', 'npy');
const fixture = (name: string) => readFileSync(join(fixtures, name));
const decodeFixture = (name: string) => decodeNpy(fixture(name), name);

function assertBadFile(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UnlearnError, `expected UnlearnError, got ${String(e)}`);
    assert.equal(e.code, 'bad-file');
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

const cases: { file: string; expected: NpyArray }[] = [
  {
    file: 'f4_2x3.npy',
    expected: { dtype: 'float32', shape: [2, 3], data: new Float32Array([-1, -0.5, 0, 0.5, 1, 1.5]) },
  },
  { file: 'f8_4.npy', expected: { dtype: 'float64', shape: [4], data: new Float64Array([0.1, -2.5, 1e300, -0]) } },
  {
    file: 'i4_2x2x2.npy',
    expected: {
      dtype: 'int32',
      shape: [2, 2, 2],
      data: new Int32Array([-4, -3, -2, -1, 0, 1, 2, 3].map((v) => v * 1000003)),
    },
  },
  {
    file: 'u1_3x4.npy',
    expected: { dtype: 'uint8', shape: [3, 4], data: new Uint8Array([...Array(12).keys()].map((v) => v * 21)) },
  },
  { file: 'b1_5.npy', expected: { dtype: 'bool', shape: [5], data: new Uint8Array([1, 0, 1, 1, 0]) } },
  { file: 'f4_scalar.npy', expected: { dtype: 'float32', shape: [], data: new Float32Array([3.25]) } },
  { file: 'f4_0x3.npy', expected: { dtype: 'float32', shape: [0, 3], data: new Float32Array(0) } },
  {
    file: 'f4_long_shape.npy',
    expected: { dtype: 'float32', shape: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2], data: new Float32Array(2) },
  },
];

for (const { file, expected } of cases) {
  test(`npy: decodes numpy's ${file}`, () => {
    const got = decodeFixture(file);
    assert.equal(got.dtype, expected.dtype);
    assert.deepEqual(got.shape, expected.shape);
    assert.equal(got.data.constructor, expected.data.constructor);
    assert.deepEqual(Array.from(got.data), Array.from(expected.data));
  });

  test(`npy: encodes ${file} byte-identical to numpy`, () => {
    assert.ok(encodeNpy(expected).equals(fixture(file)));
  });
}

test('npy: encode → decode round-trips and keeps -0 and NaN bits', () => {
  const a: NpyArray = { dtype: 'float32', shape: [3], data: new Float32Array([NaN, -0, Infinity]) };
  const b = decodeNpy(encodeNpy(a), 'x.npy');
  assert.ok(Number.isNaN(b.data[0]));
  assert.ok(Object.is(b.data[1], -0));
  assert.equal(b.data[2], Infinity);
  const big: NpyArray = { dtype: 'int32', shape: [1000, 7], data: Int32Array.from({ length: 7000 }, (_, i) => i * 7919 - 1e6) };
  assert.deepEqual(decodeNpy(encodeNpy(big), 'big.npy'), big);
});

test('npy: header padded so the data starts on a 64-byte boundary', () => {
  for (let rank = 0; rank < 10; rank++) {
    const shape = Array.from({ length: rank }, (_, i) => i + 1);
    const count = shape.reduce((a, b) => a * b, 1);
    const buf = encodeNpy({ dtype: 'uint8', shape, data: new Uint8Array(count) });
    assert.equal((buf.length - count) % 64, 0);
  }
});

test('npy: int64 within int32 range reads as int32', () => {
  const got = decodeFixture('i8_3.npy');
  assert.equal(got.dtype, 'int32');
  assert.deepEqual(Array.from(got.data), [-2147483648, 0, 2147483647]);
});

test('npy: reads format versions 2.0 and 3.0', () => {
  for (const f of ['f4_v2.npy', 'f4_v3.npy']) {
    const got = decodeFixture(f);
    assert.deepEqual(got.shape, [4]);
    assert.deepEqual(Array.from(got.data), [0, 1, 2, 3]);
  }
});

test('npy: readNpy reads from disk; a missing file is not-found', async () => {
  const got = await readNpy(join(fixtures, 'f4_2x3.npy'));
  assert.deepEqual(got.shape, [2, 3]);
  await assert.rejects(readNpy(join(fixtures, 'nope.npy')), (e: unknown) => e instanceof UnlearnError && e.code === 'not-found');
});

test('npy: bad inputs raise bad-file errors naming the file', () => {
  assertBadFile(() => decodeFixture('i8_big.npy'), 'i8_big.npy', /does not fit in int32/);
  assertBadFile(() => decodeFixture('fortran.npy'), 'fortran.npy', /Fortran-order/);
  assertBadFile(() => decodeFixture('f4_bigendian.npy'), 'f4_bigendian.npy', /unsupported .npy dtype '>f4'/);
  assertBadFile(() => decodeFixture('c8_2.npy'), 'c8_2.npy', /unsupported .npy dtype '<c8'/);
  const good = fixture('f4_2x3.npy');
  assertBadFile(() => decodeNpy(good.subarray(0, good.length - 1), 't.npy'), 't.npy', /truncated .npy data/);
  assertBadFile(() => decodeNpy(good.subarray(0, 40), 't.npy'), 't.npy', /truncated .npy header/);
  assertBadFile(() => decodeNpy(good.subarray(0, 4), 't.npy'), 't.npy', /bad magic/);
  assertBadFile(() => decodeNpy(Buffer.from('PK\x03\x04 this is a zip'), 'a.npz'), 'a.npz', /bad magic/);
  const v9 = Buffer.from(good);
  v9[6] = 9;
  assertBadFile(() => decodeNpy(v9, 'v9.npy'), 'v9.npy', /unsupported .npy format version 9.0/);
  assertBadFile(() => decodeNpy(Buffer.concat([good, Buffer.alloc(3)]), 'x.npy'), 'x.npy', /unexpected bytes/);
});

test('npy: bad-file from readNpy names the full path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  const p = join(dir, 'junk.npy');
  writeFileSync(p, 'hello');
  await assert.rejects(readNpy(p), (e: unknown) => e instanceof UnlearnError && e.message.startsWith(`${p}: `));
});

test('npy: encode refuses a data/shape mismatch', () => {
  assert.throws(() => encodeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array(3) }), /needs 4 values/);
  assert.throws(() => encodeNpy({ dtype: 'float32', shape: [2], data: new Float64Array(2) }), /needs a Float32Array/);
});
