import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/engine/backend/wasm-kernels';
import { buildModel, type ModelSpec } from '../../src/engine/models';
import { crossEntropy } from '../../src/engine/train/trainer';

const cases: Array<{ spec: ModelSpec; shape: number[] }> = [
  { spec: { kind: 'logreg' }, shape: [6] },
  { spec: { kind: 'mlp', hidden: [5, 4] }, shape: [6] },
  { spec: { kind: 'cnn', channels: [3, 4] }, shape: [8, 8, 1] },
  { spec: { kind: 'resnet9', width: 2 }, shape: [12, 12, 3] },
];

/** Loss and gradients of one batch for K models, on the given backend, as plain arrays. */
async function lossAndGrads(backend: string, spec: ModelSpec, shape: number[], K: number): Promise<{ loss: number[]; grads: Record<string, Float32Array>; logitsShape: number[] }> {
  await tf.setBackend(backend);
  const C = 3;
  const B = 4;
  const model = buildModel(spec, shape, C);
  const { params, state } = model.init(Array.from({ length: K }, (_, k) => 10 + k));
  const x = tf.randomNormal([K, B, ...shape], 0, 1, 'float32', 7);
  const y = tf.tensor2d(Array.from({ length: K * B }, (_, i) => i % C), [K, B], 'int32');
  const idx = tf.zeros([K, B], 'int32') as tf.Tensor2D;
  let logitsShape: number[] = [];
  const names = model.paramNames;
  let perModel: tf.Tensor | undefined;
  const { grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
    const p = Object.fromEntries(names.map((n, i) => [n, ps[i]]));
    const out = model.apply(p, state, x, true);
    logitsShape = out.logits.shape;
    perModel = tf.keep(crossEntropy(out.logits, idx, y));
    return tf.sum(perModel);
  })(names.map((n) => params[n]));
  const result = {
    loss: Array.from(await (perModel as tf.Tensor).data()),
    grads: Object.fromEntries(await Promise.all(names.map(async (n, i) => [n, (await grads[i].data()) as Float32Array] as const))),
    logitsShape,
  };
  tf.dispose([...Object.values(params), ...Object.values(state), x, y, idx, ...grads, perModel as tf.Tensor]);
  return result;
}

for (const { spec, shape } of cases) {
  for (const K of [1, 2]) {
    test(`${spec.kind} ×${K}: logits [K,B,C] and wasm gradients match the cpu backend`, async () => {
      registerWasmTrainingKernels();
      const cpu = await lossAndGrads('cpu', spec, shape, K);
      const wasm = await lossAndGrads('wasm', spec, shape, K);
      assert.deepEqual(cpu.logitsShape, [K, 4, 3]);
      cpu.loss.forEach((l, k) => assert.ok(Math.abs(l - wasm.loss[k]) < 1e-4 * (1 + Math.abs(l)), `loss ${k}: ${l} vs ${wasm.loss[k]}`));
      for (const [name, g] of Object.entries(cpu.grads)) {
        const w = wasm.grads[name];
        const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
        for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - w[i]) <= 2e-4 * scale, `${name}[${i}]: cpu ${g[i]} wasm ${w[i]}`);
      }
    });
  }
}
