import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/select';
import { buildModel, type ModelDef, type ModelSpec } from '../../src/engine/models';
import { lossAndGradients, type Batch, type Objective } from '../../src/engine/train/gradients';
import { crossEntropy } from '../../src/engine/train/trainer';
import { mseToTargets, negCrossEntropy } from '../../src/engine/unlearn/objectives';

const K = 3;
const B = 6;
const d = 9;
const C = 4;
const n = 20;

const objectives: Record<string, () => Objective> = {
  'cross-entropy': () => crossEntropy,
  'negated cross-entropy': () => negCrossEntropy,
  'MSE to per-model targets': () => mseToTargets(tf.randomNormal([K * n, C], 0, 2, 'float32', 5) as tf.Tensor2D, true, n),
  'MSE to shared targets': () => mseToTargets(tf.randomNormal([n, C], 0, 2, 'float32', 6) as tf.Tensor2D, false, n),
};

function batch(): Batch {
  const indices = tf.tensor2d(Array.from({ length: K * B }, (_, i) => (i * 7) % n), [K, B], 'int32');
  return {
    x: tf.randomNormal([K, B, d], 0, 1.5, 'float32', 3),
    indices,
    labels: tf.tensor2d(Array.from({ length: K * B }, (_, i) => (i * 5 + 1) % C), [K, B], 'int32'),
  };
}

/** The same model with its written-out backward hidden, so the trainer takes autograd. */
const autogradOnly = (model: ModelDef): ModelDef => ({ ...model, applyWithBackward: undefined });

for (const spec of [{ kind: 'logreg' }, { kind: 'mlp', hidden: [7, 5] }] as ModelSpec[]) {
  for (const [name, make] of Object.entries(objectives)) {
    test(`${spec.kind}, ${name}: the written-out backward gives autograd's losses and gradients`, async () => {
      await initBackend();
      const model = buildModel(spec, [d], C);
      assert.ok(model.applyWithBackward, 'the model has a written-out backward');
      const objective = make();
      assert.ok(objective.logitGradient, 'the objective has a closed-form logit gradient');
      const { params } = model.init([11, 12, 13]);
      const b = batch();
      for (const scale of [1, 0.75]) {
        const closed = lossAndGradients(model, objective, params, {}, b, scale);
        const auto = lossAndGradients(autogradOnly(model), objective, params, {}, b, scale);
        const [lc, la] = [await closed.losses.data(), await auto.losses.data()];
        lc.forEach((v, k) => assert.ok(Math.abs(v - la[k]) <= 1e-6 * (1 + Math.abs(v)), `loss of model ${k}: ${v} vs ${la[k]}`));
        for (const p of model.paramNames) {
          assert.deepEqual(closed.grads[p].shape, params[p].shape, `${p} gradient shape`);
          const [gc, ga] = [await closed.grads[p].data(), await auto.grads[p].data()];
          const tol = 1e-5 * Math.max(1e-3, ...Array.from(ga, Math.abs));
          let nonzero = 0;
          ga.forEach((v, i) => {
            if (v !== 0) nonzero++;
            assert.ok(Math.abs(gc[i] - v) <= tol, `scale ${scale}, ${p}[${i}]: ${gc[i]} vs autograd ${v}`);
          });
          assert.ok(nonzero > 0, `${p}: autograd gave a zero gradient, the comparison would be empty`);
        }
        tf.dispose([closed.losses, auto.losses, ...Object.values(closed.grads), ...Object.values(auto.grads)]);
      }
      tf.dispose([...Object.values(params), b.x, b.indices, b.labels]);
    });
  }
}

test('the written-out MLP step runs fewer tfjs kernels than autograd and leaks no tensors', async () => {
  await initBackend();
  const model = buildModel({ kind: 'mlp', hidden: [7] }, [d], C);
  const { params } = model.init([1, 2, 3]);
  const b = batch();
  const kernelsOf = async (m: ModelDef) => {
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => {
      const r = lossAndGradients(m, crossEntropy, params, {}, b, 1);
      tf.dispose([r.losses, ...Object.values(r.grads)]);
    });
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    return info.kernels.length;
  };
  const [closed, auto] = [await kernelsOf(model), await kernelsOf(autogradOnly(model))];
  assert.ok(closed < auto, `written-out backward ran ${closed} kernels, autograd ${auto}`);
  tf.dispose([...Object.values(params), b.x, b.indices, b.labels]);
});
