import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/select';
import { buildModel, parseModelSpec } from '../../src/engine/models';
import { initStacked, type ParamInit } from '../../src/engine/models/init';
import type { Params } from '../../src/engine/models/types';
import { fillUniform } from '../../src/engine/util/alea';
import { deriveSeed } from '../../src/engine/util/seed';

/** Float32 values compared as bit patterns, so that -0 ≠ 0 and a last-bit difference shows. */
function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${what}[${i}]: ${actual[i]} vs tf.randomUniform's ${expected[i]}`);
  }
}

/** initStacked as it was before util/alea.ts: one tf.randomUniform per model, then a stack. */
function referenceInitStacked(seeds: readonly number[], inits: readonly ParamInit[]): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const p of inits) {
    out[p.name] = tf.tidy(() => {
      if (p.kind === 'ones') return tf.ones([seeds.length, ...p.shape]);
      if (p.kind === 'zeros') return tf.zeros([seeds.length, ...p.shape]);
      const bound = 1 / Math.sqrt(p.fanIn ?? 1);
      return tf.stack(seeds.map((s) => tf.randomUniform(p.shape, -bound, bound, 'float32', deriveSeed(s, p.name))));
    });
  }
  return out;
}

function assertSameParams(actual: Params, expected: Record<string, tf.Tensor>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [name, t] of Object.entries(expected)) {
    assert.deepEqual(actual[name].shape, t.shape, `${name}: shape`);
    assert.equal(actual[name].dtype, 'float32', `${name}: dtype`);
    assertSameBits(actual[name].dataSync() as Float32Array, t.dataSync() as Float32Array, name);
  }
}

test('fillUniform draws the bits tf.randomUniform draws, for integer, derived and string seeds', async () => {
  await initBackend();
  const seeds: Array<number | string> = [0, 1, 7, 123456789, 0xffffffff, deriveSeed(0, 'w0'), deriveSeed(31, 'b1'), deriveSeed(5, 'conv1'), deriveSeed(12, 'layer2.w'), 'a string seed ✓'];
  const ranges: Array<[number, number]> = [[0, 1], [-1 / Math.sqrt(784), 1 / Math.sqrt(784)], [-1 / Math.sqrt(9 * 16), 1 / Math.sqrt(9 * 16)], [-3.25, 1e-3]];
  for (const seed of seeds) {
    for (const [min, max] of ranges) {
      const n = 5003;
      const expected = tf.tidy(() => tf.randomUniform([n], min, max, 'float32', seed).dataSync() as Float32Array);
      const actual = new Float32Array(n);
      fillUniform(actual, min, max, seed);
      assertSameBits(actual, expected, `seed ${seed}, [${min}, ${max})`);
    }
  }
});

test('fillUniform stays inside its bounds and moves with the seed', () => {
  const bound = 1 / Math.sqrt(256);
  const a = new Float32Array(100_000);
  const b = new Float32Array(100_000);
  fillUniform(a, -bound, bound, deriveSeed(1, 'w1'));
  fillUniform(b, -bound, bound, deriveSeed(2, 'w1'));
  let mean = 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) {
    assert.ok(a[i] >= -bound && a[i] <= Math.fround(bound), `a[${i}] = ${a[i]} is outside ±${bound}`);
    mean += a[i] / a.length;
    if (a[i] === b[i]) same++;
  }
  assert.ok(Math.abs(mean) < 0.01 * bound, `mean ${mean} is far from 0`);
  assert.ok(same < 10, `${same} equal values from two seeds`);
});

test('initStacked gives [K, ...shape] float32 tensors; ones and zeros kinds are constant', async () => {
  await initBackend();
  const inits: ParamInit[] = [
    { name: 'w', shape: [3, 4], kind: 'fanIn', fanIn: 3 },
    { name: 'gamma', shape: [4], kind: 'ones' },
    { name: 'beta', shape: [2, 2], kind: 'zeros' },
  ];
  const params = initStacked([4, 9, 4], inits);
  assert.deepEqual(params.w.shape, [3, 3, 4]);
  assert.deepEqual(params.gamma.shape, [3, 4]);
  assert.deepEqual(params.beta.shape, [3, 2, 2]);
  assert.deepEqual(Array.from(params.gamma.dataSync()), Array(12).fill(1));
  assert.deepEqual(Array.from(params.beta.dataSync()), Array(12).fill(0));
  const w = params.w.dataSync() as Float32Array;
  assertSameBits(w.subarray(24, 36), w.subarray(0, 12), 'the same seed twice');
  assert.notDeepEqual(Array.from(w.subarray(12, 24)), Array.from(w.subarray(0, 12)));
  tf.dispose(Object.values(params));
});

test('the MLP 784-256-10 and the CNN start from the same bits as with per-model tf.randomUniform and a stack', async () => {
  await initBackend();
  const seeds = [0, 1, 17, 4000000000];
  const mlp = buildModel(parseModelSpec({ kind: 'mlp', hidden: [256] }), [28, 28, 1], 10);
  const mlpInits: ParamInit[] = [
    { name: 'w0', shape: [784, 256], kind: 'fanIn', fanIn: 784 },
    { name: 'b0', shape: [1, 256], kind: 'fanIn', fanIn: 784 },
    { name: 'w1', shape: [256, 10], kind: 'fanIn', fanIn: 256 },
    { name: 'b1', shape: [1, 10], kind: 'fanIn', fanIn: 256 },
  ];
  const cnn = buildModel(parseModelSpec({ kind: 'cnn' }), [28, 28, 1], 10);
  const cnnInits: ParamInit[] = [
    { name: 'conv1', shape: [3, 3, 1, 16], kind: 'fanIn', fanIn: 9 },
    { name: 'bias1', shape: [16], kind: 'fanIn', fanIn: 9 },
    { name: 'conv2', shape: [3, 3, 16, 32], kind: 'fanIn', fanIn: 9 * 16 },
    { name: 'bias2', shape: [32], kind: 'fanIn', fanIn: 9 * 16 },
    { name: 'dense', shape: [14 * 14 * 32, 10], kind: 'fanIn', fanIn: 14 * 14 * 32 },
    { name: 'denseBias', shape: [10], kind: 'fanIn', fanIn: 14 * 14 * 32 },
  ];
  for (const [model, inits] of [[mlp, mlpInits], [cnn, cnnInits]] as const) {
    const { params } = model.init(seeds);
    const expected = referenceInitStacked(seeds, inits);
    assertSameParams(params, expected);
    tf.dispose([...Object.values(params), ...Object.values(expected)]);
  }
});
