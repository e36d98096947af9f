// Our wasm training kernels against the cpu backend: forward values and gradients through the
// public ops (conv2d, maxPool, matMul, gather), on seeded random data, plus a tensor-leak check.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/engine/backend/wasm-kernels/index.js';
import { ADAM_STEP } from '../../src/engine/backend/wasm-kernels/simd-adam.js';
import { SGD_MOMENTUM_STEP } from '../../src/engine/backend/wasm-kernels/simd-sgd.js';
import { createOptimizer } from '../../src/engine/train/optimizer.js';

const RTOL = 1e-4;

before(async () => {
  registerWasmTrainingKernels();
  registerWasmTrainingKernels(); // idempotent
  assert.ok(await tf.setBackend('wasm'));
  assert.ok(await tf.setBackend('cpu'));
});

/** mulberry32: small, seedable, good enough for test data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Data {
  shape: number[];
  values: Float32Array;
}

function randn(seed: number, shape: number[], map: (v: number) => number = (v) => v): Data {
  const r = rng(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) {
    const u = Math.max(r(), 1e-12);
    values[i] = map(Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()));
  }
  return { shape, values };
}

/** Runs `f` on fresh copies of `inputs` on one backend; returns every output's values. */
function runOn(backend: string, inputs: Data[], f: (...xs: tf.Tensor[]) => tf.Tensor[]): Float32Array[] {
  tf.setBackend(backend);
  assert.equal(tf.getBackend(), backend);
  return tf.tidy(() => {
    const xs = inputs.map((d) => tf.tensor(d.values, d.shape, 'float32'));
    return f(...xs).map((t) => t.dataSync() as Float32Array);
  });
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let sq = 0;
  for (const v of want) sq += v * v;
  // Float32 sums of many terms: compare each element relative to itself and to the tensor's scale.
  const atol = RTOL * Math.sqrt(sq / Math.max(1, want.length)) + 1e-7;
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    if (!(diff <= atol + RTOL * Math.abs(want[i]))) {
      assert.fail(`${what}: element ${i} wasm ${got[i]} vs cpu ${want[i]} (diff ${diff})`);
    }
  }
}

/** Compares f(inputs) and the gradients of sum(f(inputs) * dy) for every input. */
function compareWithGrads(name: string, inputs: Data[], f: (...xs: tf.Tensor[]) => tf.Tensor, seed: number): void {
  const withGrads = (...xs: tf.Tensor[]): tf.Tensor[] => {
    const y = f(...xs);
    const dy = randn(seed + 999, y.shape);
    const { value, grads } = tf.valueAndGrads((...ys: tf.Tensor[]) => f(...ys))(xs, tf.tensor(dy.values, y.shape));
    return [value, ...grads];
  };
  const want = runOn('cpu', inputs, withGrads);
  const got = runOn('wasm', inputs, withGrads);
  assertClose(got[0], want[0], `${name} value`);
  for (let i = 1; i < want.length; i++) assertClose(got[i], want[i], `${name} grad of input ${i - 1}`);
}

function compareValues(name: string, inputs: Data[], f: (...xs: tf.Tensor[]) => tf.Tensor): void {
  const want = runOn('cpu', inputs, (...xs) => [f(...xs)]);
  const got = runOn('wasm', inputs, (...xs) => [f(...xs)]);
  assertClose(got[0], want[0], name);
}

type Pad = 'same' | 'valid' | number;

test('conv2d values and gradients (BackpropFilter, BackpropInput): strides 1 and 2, same/valid/numeric pad', () => {
  const cases: { x: number[]; w: number[]; s: number; pad: Pad }[] = [];
  for (const s of [1, 2]) {
    for (const pad of ['same', 'valid', 1] as Pad[]) {
      cases.push({ x: [2, 8, 8, 3], w: [3, 3, 3, 4], s, pad });
      // Odd sizes: the strided 'valid' conv skips the last input row/column. tfjs-core sizes a
      // numeric pad's output with the filter height in both dimensions (a non-square filter
      // overruns the buffer even in the stock forward conv), so numeric pads get square filters.
      cases.push({ x: [3, 9, 7, 2], w: typeof pad === 'number' ? [3, 3, 2, 5] : [3, 2, 2, 5], s, pad });
    }
  }
  cases.push({ x: [2, 6, 6, 4], w: [1, 1, 4, 3], s: 1, pad: 'valid' });
  cases.push({ x: [2, 10, 10, 2], w: [5, 5, 2, 3], s: 2, pad: 'same' });
  cases.push({ x: [1, 5, 5, 1], w: [5, 5, 1, 2], s: 1, pad: 'valid' });
  let seed = 1;
  for (const c of cases) {
    seed += 2;
    compareWithGrads(`conv2d x${c.x} w${c.w} s${c.s} ${c.pad}`, [randn(seed, c.x), randn(seed + 1, c.w)], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad), seed);
  }
});

test('conv2d gradient with explicit asymmetric padding', () => {
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 0], [0, 2], [0, 0]];
  compareWithGrads('conv2d explicit pad', [randn(7, [2, 7, 6, 3]), randn(8, [3, 3, 3, 2])], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad), 7);
  compareWithGrads('conv2d explicit pad s2', [randn(9, [2, 7, 6, 3]), randn(10, [3, 3, 3, 2])], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, pad), 9);
});

test('maxPool gradient: 2x2 and 3x3 windows, strides 1 and 2, same and valid', () => {
  let seed = 100;
  for (const size of [2, 3]) {
    for (const s of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        seed += 1;
        compareWithGrads(`maxPool ${size}x${size} s${s} ${pad}`, [randn(seed, [2, 7, 6, 3])], (x) => tf.maxPool(x as tf.Tensor4D, size, s, pad), seed);
      }
    }
  }
});

test('maxPool gradient when every value in the window is negative (stock wasm drops it)', () => {
  const negative = (v: number) => -Math.abs(v) - 0.5;
  let seed = 200;
  for (const size of [2, 3]) {
    for (const s of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        seed += 1;
        compareWithGrads(`maxPool all-negative ${size}x${size} s${s} ${pad}`, [randn(seed, [2, 6, 5, 4], negative)], (x) => tf.maxPool(x as tf.Tensor4D, size, s, pad), seed);
      }
    }
  }
  // The gradient must not vanish: each 2x2 window routes its dy to exactly one cell.
  const grad = runOn('wasm', [randn(300, [1, 4, 4, 2], negative)], (x) => [tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(x)])[0];
  assert.equal(grad.reduce((a, b) => a + b, 0), 8);
});

test('batched matMul with K>1, every transposeA/transposeB combination, values and gradients', () => {
  let seed = 400;
  for (const [K, B, n, m] of [[3, 16, 40, 24], [4, 33, 70, 10], [1, 32, 64, 48], [2, 64, 196, 32]]) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        seed += 2;
        const aShape = ta ? [K, n, B] : [K, B, n];
        const bShape = tb ? [K, m, n] : [K, n, m];
        compareWithGrads(`matMul [${aShape}]x[${bShape}] ta=${ta} tb=${tb}`, [randn(seed, aShape), randn(seed + 1, bShape)], (a, b) => tf.matMul(a, b, ta, tb), seed);
      }
    }
  }
});

test('2-D and tiny matMuls (stock fallback path) with transposes', () => {
  let seed = 500;
  for (const [B, n, m] of [[64, 100, 30], [5, 7, 3], [1, 256, 10]]) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        seed += 2;
        const aShape = ta ? [n, B] : [B, n];
        const bShape = tb ? [m, n] : [n, m];
        compareWithGrads(`matMul2d [${aShape}]x[${bShape}] ta=${ta} tb=${tb}`, [randn(seed, aShape), randn(seed + 1, bShape)], (a, b) => tf.matMul(a, b, ta, tb), seed);
      }
    }
  }
});

/** The product of one [m,k]x[k,n] slice by XNNPACK: stock wasm _FusedMatMul runs it for batch 1 without transposes. */
function xnnpackSlice(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor {
  return tf.fused.matMul({ a: tf.expandDims(a, 0) as tf.Tensor3D, b: tf.expandDims(b, 0) as tf.Tensor3D });
}

test('SIMD matMul gives the same bits as XNNPACK: tile remainders in M and N, k blocks, transposes, broadcast b', () => {
  // Our kernel tiles the output 4x8 and narrower/shorter for the remainder, packs b in blocks of
  // k (partial sums continue from the stored float32) and reads a through strides; XNNPACK
  // computes every element independently, so any difference in one element's order shows here.
  // Every case has at least MIN_MACS_PER_SLICE (4096) multiply-adds, so it takes our kernel.
  tf.setBackend('wasm');
  let seed = 900;
  const cases: [batch: number, m: number, k: number, n: number][] = [
    [2, 128, 256, 10], // the MLP's logits
    [3, 33, 200, 25],
    [2, 5, 300, 257], // N = 257: k in blocks of 127 rows, 3 blocks
    [3, 32, 40, 24],
    [2, 7, 600, 1],
    [2, 6, 400, 2],
    [2, 9, 200, 3],
    [1, 3, 200, 13],
    [2, 1, 600, 12],
    [1, 130, 70, 7],
  ];
  for (const [batch, m, k, n] of cases) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        seed += 2;
        const what = `[${batch},${m},${k}]x[${batch},${k},${n}] ta=${ta} tb=${tb}`;
        tf.tidy(() => {
          const a = tf.tensor(randn(seed, [batch, m, k]).values, [batch, m, k]) as tf.Tensor3D;
          const b = tf.tensor(randn(seed + 1, [batch, k, n]).values, [batch, k, n]) as tf.Tensor3D;
          // Transposes are exact, so the stored operand is the same math.
          const got = tf.matMul(ta ? tf.transpose(a, [0, 2, 1]) : a, tb ? tf.transpose(b, [0, 2, 1]) : b, ta, tb);
          const want = tf.concat(tf.unstack(a).map((ai, i) => xnnpackSlice(ai as tf.Tensor2D, tf.unstack(b)[i] as tf.Tensor2D)));
          assert.deepEqual(got.shape, [batch, m, n], what);
          assert.deepEqual(got.dataSync(), want.dataSync(), what);
        });
      }
    }
  }
  // A 2-D b shared by every slice of a (broadcast), with remainder rows and columns.
  tf.tidy(() => {
    const a = tf.tensor(randn(990, [3, 13, 64]).values, [3, 13, 64]) as tf.Tensor3D;
    const w = tf.tensor(randn(991, [64, 21]).values, [64, 21]) as tf.Tensor2D;
    const want = tf.concat(tf.unstack(a).map((ai) => xnnpackSlice(ai as tf.Tensor2D, w)));
    assert.deepEqual(tf.matMul(a, w).dataSync(), want.dataSync(), 'broadcast 2-D b');
  });
});

test('broadcast-batch matMul values', () => {
  let seed = 600;
  const cases: [number[], number[], boolean, boolean][] = [
    [[4, 20, 30], [30, 12], false, false],
    [[4, 20, 30], [1, 12, 30], false, true],
    [[1, 30, 20], [4, 30, 12], true, false],
    [[2, 1, 20, 30], [1, 3, 30, 12], false, false],
    [[2, 1, 30, 20], [1, 3, 12, 30], true, true],
    [[3, 1, 2, 3], [1, 4, 3, 2], false, false],
  ];
  for (const [as, bs, ta, tb] of cases) {
    seed += 2;
    const inputs = [randn(seed, as), randn(seed + 1, bs)];
    // The cpu backend mis-sizes multi-axis batch broadcasts, so the reference broadcasts first.
    const want = runOn('cpu', inputs, (a, b) => {
      const batch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      return [tf.matMul(tf.broadcastTo(a, [...batch, ...a.shape.slice(-2)]), tf.broadcastTo(b, [...batch, ...b.shape.slice(-2)]), ta, tb)];
    });
    const got = runOn('wasm', inputs, (a, b) => [tf.matMul(a, b, ta, tb)]);
    assertClose(got[0], want[0], `matMul broadcast [${as}]x[${bs}] ta=${ta} tb=${tb}`);
  }
});

test('gather gradient (UnsortedSegmentSum) and unsortedSegmentSum', () => {
  const table = randn(700, [10, 6]);
  const idx = [3, 1, 3, 9, 0, 3, 7];
  const g = (t: tf.Tensor) => tf.gather(t, tf.tensor1d(idx, 'int32'));
  compareWithGrads('gather rows', [table], g, 700);
  compareWithGrads('gather axis 1', [table], (t) => tf.gather(t, tf.tensor1d([5, 0, 0, 2], 'int32'), 1), 701);
  compareValues('unsortedSegmentSum with out-of-range ids', [randn(702, [6, 4])], (x) => tf.unsortedSegmentSum(x as tf.Tensor2D, tf.tensor1d([0, 2, 2, -1, 5, 1], 'int32'), 4));
});

test('gather (our row-copy GatherV2): 2-D indices into images, int32 labels, middle axis, bad index', () => {
  const images = randn(703, [9, 4, 3, 2]);
  compareValues('gather images by [K,b] indices', [images], (x) => tf.gather(x, tf.tensor2d([8, 0, 4, 4, 2, 7], [2, 3], 'int32')));
  compareValues('gather middle axis', [images], (x) => tf.gather(x, tf.tensor1d([2, 2, 0], 'int32'), 2));
  const labels = [5, 1, 9, 0, 2, 2, 7, 3, 8];
  for (const b of ['wasm', 'cpu']) {
    tf.setBackend(b);
    const got = tf.tidy(() => Array.from(tf.gather(tf.tensor1d(labels, 'int32'), tf.tensor1d([8, 8, 0, 3], 'int32')).dataSync()));
    assert.deepEqual(got, [8, 8, 5, 0], `int32 gather on ${b}`);
  }
  tf.setBackend('wasm');
  assert.throws(() => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([0, 3], 'int32'))), /index value 3 is not in \[0, 2\]/);
});

test('tile (our block-copy Tile): every axis repeated, repeats of 1, rank 1 to 4, int32, empty, gradient', () => {
  const cases: Array<[number[], number[]]> = [
    [[3, 4], [2, 3]],
    [[1, 5, 4], [4, 1, 1]],
    [[2, 1, 3, 2], [1, 3, 2, 2]],
    [[5], [3]],
    [[2, 3], [1, 1]],
    [[0, 3], [2, 1]],
  ];
  cases.forEach(([shape, reps], i) => {
    const x = randn(801 + i, shape);
    const [want] = runOn('cpu', [x], (t) => [tf.tile(t, reps)]);
    const [got] = runOn('wasm', [x], (t) => [tf.tile(t, reps)]);
    assert.deepEqual(Array.from(got), Array.from(want), `tile ${JSON.stringify(shape)} by ${JSON.stringify(reps)}`);
  });
  for (const b of ['wasm', 'cpu']) {
    tf.setBackend(b);
    const got = tf.tidy(() => Array.from(tf.tile(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), [2, 2]).dataSync()));
    assert.deepEqual(got, [1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4], `int32 tile on ${b}`);
  }
  compareWithGrads('tile', [randn(811, [2, 3, 2])], (t) => tf.tile(t, [2, 1, 3]), 811);
});

/** conv(3x3,same)->relu->maxpool->conv(3x3,stride 2)->maxpool(3x3,same)->dense, softmax CE. */
function cnnLoss(x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, wd: tf.Tensor, bd: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const h1 = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
  const h2 = tf.maxPool(tf.conv2d(h1, w2 as tf.Tensor4D, 2, 'same'), 3, 1, 'same');
  const flat = tf.reshape(h2, [x.shape[0], -1]);
  const logits = tf.add(tf.matMul(flat, wd), bd);
  return tf.losses.softmaxCrossEntropy(labels, logits);
}

test('small CNN end to end: loss and every parameter gradient match cpu', () => {
  const B = 6;
  const r = rng(800);
  const labels = new Float32Array(B * 5);
  for (let i = 0; i < B; i++) labels[i * 5 + Math.floor(r() * 5)] = 1;
  const inputs = [randn(801, [B, 12, 12, 2]), randn(802, [3, 3, 2, 6], (v) => v * 0.3), randn(803, [3, 3, 6, 8], (v) => v * 0.3), randn(804, [3 * 3 * 8, 5], (v) => v * 0.1), randn(805, [5])];
  const run = (...ts: tf.Tensor[]): tf.Tensor[] => {
    const y = tf.tensor(labels, [B, 5]);
    const { value, grads } = tf.valueAndGrads((w1: tf.Tensor, w2: tf.Tensor, wd: tf.Tensor, bd: tf.Tensor) => cnnLoss(ts[0], w1, w2, wd, bd, y))(ts.slice(1));
    const dx = tf.grad((x: tf.Tensor) => cnnLoss(x, ts[1], ts[2], ts[3], ts[4], y))(ts[0]);
    return [value, ...grads, dx];
  };
  const want = runOn('cpu', inputs, run);
  const got = runOn('wasm', inputs, run);
  const names = ['loss', 'dW1', 'dW2', 'dWdense', 'dbias', 'dx'];
  for (let i = 0; i < want.length; i++) assertClose(got[i], want[i], `cnn ${names[i]}`);
});

/** Four optimizer steps with the fused kernel and without it; every parameter's bits must match. */
function assertFusedStepMatchesOps(kernel: string, cfg: Parameters<typeof createOptimizer>[0]): void {
  tf.setBackend('wasm');
  const fusedKernel = tf.getKernel(kernel, 'wasm');
  assert.ok(fusedKernel, `${kernel} is registered for wasm`);
  // 7 x 3 = 21 elements: five SIMD groups of 4 and a tail of 1.
  const shapes: Record<string, number[]> = { w: [2, 7, 3], b: [2, 1, 3] };
  const run = (): Float32Array[] => {
    const opt = createOptimizer(cfg);
    let params = Object.fromEntries(Object.entries(shapes).map(([n, s], i) => [n, tf.tensor(randn(800 + i, s).values, s)]));
    for (let step = 0; step < 4; step++) {
      const grads = Object.fromEntries(Object.entries(shapes).map(([n, s], i) => [n, tf.tensor(randn(810 + 10 * step + i, s, (v) => v * 3).values, s)]));
      params = opt.step(params, grads, 0.05 + 0.01 * step);
    }
    const out = Object.values(params).map((t) => t.dataSync() as Float32Array);
    tf.dispose(Object.values(params));
    opt.dispose();
    return out;
  };
  const before = tf.memory().numTensors;
  const fused = run();
  tf.unregisterKernel(kernel, 'wasm');
  let ops: Float32Array[];
  try {
    ops = run();
  } finally {
    tf.registerKernel(fusedKernel);
  }
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(fused, ops, `${kernel} ${JSON.stringify(cfg)}`);
}

test('fused SGD and Adam steps (wasm) give the same bits as the optimizer\'s elementwise ops', () => {
  assertFusedStepMatchesOps(SGD_MOMENTUM_STEP, { optimizer: 'sgd', momentum: 0.9, weightDecay: 5e-4 });
  assertFusedStepMatchesOps(ADAM_STEP, { optimizer: 'adam', momentum: 0.9, weightDecay: 0 });
  assertFusedStepMatchesOps(ADAM_STEP, { optimizer: 'adam', momentum: 0.9, weightDecay: 5e-4 });
});

test('no tensors or wasm buffers leak across training steps', () => {
  tf.setBackend('wasm');
  const backend = tf.engine().backend;
  const x = tf.randomNormal([4, 10, 10, 3], 0, 1, 'float32', 1);
  const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 2));
  const w2 = tf.variable(tf.randomNormal([3, 3, 4, 4], 0, 0.3, 'float32', 3));
  const ws = tf.variable(tf.randomNormal([3, 20, 8], 0, 0.3, 'float32', 4));
  const a = tf.randomNormal([3, 16, 20], 0, 1, 'float32', 5);
  const table = tf.variable(tf.randomNormal([10, 4], 0, 1, 'float32', 6));
  const idx = tf.tensor1d([1, 2, 2, 9], 'int32');
  const opt = tf.train.sgd(0.01);
  const step = (): void => {
    opt.minimize(() => {
      const h = tf.maxPool(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), 3, 2, 'same');
      const h2 = tf.conv2d(h, w2 as tf.Tensor4D, 2, 'valid');
      const m = tf.matMul(tf.matMul(a, ws), ws, false, true);
      return tf.add(tf.add(tf.mean(tf.square(h2)), tf.mean(tf.square(m))), tf.sum(tf.gather(table, idx))) as tf.Scalar;
    });
  };
  step();
  const tensors = tf.memory().numTensors;
  const buffers = backend.numDataIds();
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(backend.numDataIds(), buffers);
  tf.dispose([x, w, w2, ws, a, table, idx]);
  opt.dispose();
});
