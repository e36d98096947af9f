/**
 * Where a training step's time goes: the MLP step split into its parts (index upload and
 * minibatch gather, forward + backward, optimizer update, loss bookkeeping, event-loop yield),
 * timed with wall clocks around each part. Both tfjs-node and wasm execute ops synchronously,
 * so a part's wall time is its cost. Not a test: it prints milliseconds per step.
 *
 *   node --import tsx bench/step-profile.ts [--backend tensorflow|wasm] [--K 1,32] [--hidden 256] [--steps 40]
 *     [--backward written-out,autograd] [--repeats 1]   (variants alternate within one process)
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src/engine/backend/select';
import { loadDataset } from '../src/engine/data/registry';
import { buildModel } from '../src/engine/models';
import { parseTrainConfig } from '../src/engine/train/config';
import { createOptimizer } from '../src/engine/train/optimizer';
import { lossAndGradients } from '../src/engine/train/gradients';
import { toDevice } from '../src/engine/train/predict';
import { crossEntropy } from '../src/engine/train/trainer';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

async function main(): Promise<void> {
  await initBackend(opt('backend', 'tensorflow') as BackendName);
  const Ks = opt('K', '1,32').split(',').map(Number);
  const hidden = opt('hidden', '256').split(',').map(Number);
  const steps = Number(opt('steps', '40'));
  const B = 128;
  const ds = await loadDataset(undefined, { trainSize: 1000, valSize: 10 });
  const data = toDevice(ds.train.x, ds.train.y, ds.train.n, ds.inputShape);
  const model = buildModel({ kind: 'mlp', hidden }, ds.inputShape, ds.classNames.length);
  const variants = opt('backward', 'written-out').split(',');
  for (let rep = 0; rep < Number(opt('repeats', '1')); rep++) for (const variant of variants) for (const K of Ks) {
    let { params } = model.init(Array.from({ length: K }, (_, i) => i));
    const optimizer = createOptimizer(parseTrainConfig({ lr: 0.05, batchSize: B, epochs: 1 }));
    const parts = { gather: 0, fwdBwd: 0, update: 0, loss: 0, yield: 0 };
    let lossSum = tf.zeros([K]);
    for (let s = -5; s < steps; s++) {
      const t0 = performance.now();
      const idx = new Int32Array(K * B);
      for (let i = 0; i < idx.length; i++) idx[i] = (s * 7919 + i * 31 + 1000000) % data.n;
      const idxT = tf.tensor2d(idx, [K, B], 'int32');
      const xb = tf.tidy(() => tf.reshape(tf.gather(data.x, tf.reshape(idxT, [K * B])), [K, B, ...model.inputShape]));
      const yb = tf.tidy(() => tf.reshape(tf.gather(data.y, tf.reshape(idxT, [K * B])), [K, B]) as tf.Tensor2D);
      const t1 = performance.now();
      const { grads, losses } = lossAndGradients(variant === 'autograd' ? { ...model, applyWithBackward: undefined } : model, crossEntropy, params, {}, { x: xb, indices: idxT, labels: yb }, 1);
      const t2 = performance.now();
      params = optimizer.step(params, grads, 0.05);
      const t3 = performance.now();
      const prev = lossSum;
      lossSum = tf.tidy(() => tf.add(prev, tf.mul(losses, 0.1)));
      prev.dispose();
      losses.dispose();
      idxT.dispose();
      xb.dispose();
      yb.dispose();
      const t4 = performance.now();
      await new Promise((r) => setImmediate(r));
      const t5 = performance.now();
      if (s >= 0) {
        parts.gather += t1 - t0;
        parts.fwdBwd += t2 - t1;
        parts.update += t3 - t2;
        parts.loss += t4 - t3;
        parts.yield += t5 - t4;
      }
    }
    await lossSum.data();
    const total = Object.values(parts).reduce((a, b) => a + b, 0);
    const line = Object.entries(parts)
      .map(([k, v]) => `${k} ${(v / steps).toFixed(2)}`)
      .join('  ');
    process.stdout.write(`${tf.getBackend()} MLP ${hidden.join('-')} K=${K} ${variant}: ms/step ${(total / steps).toFixed(2)} (${line}); model·ex/s ${Math.round((K * B * steps) / (total / 1000))}\n`);
    lossSum.dispose();
    optimizer.dispose();
    Object.values(params).forEach((t) => t.dispose());
  }
}

void main();
