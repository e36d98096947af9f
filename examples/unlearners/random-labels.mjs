/**
 * An example plug-in unlearner: "random labels" (as in Graves et al. 2021's "amnesiac" baseline,
 * written afresh here). Each epoch fine-tunes on F with a wrong label drawn at random for every
 * forget point (so the model stops being sure of F's true labels), then descends on R with the
 * true labels (so it keeps what it knows of everything else).
 *
 * Load it with `unlearn compare --plugin examples/unlearners/random-labels.mjs --methods gd,random-labels`
 * or list it in the `unlearn.plugins` setting. The interface is types/unlearner-plugin.d.ts; the
 * JSDoc type below gives an editor completion and checks without a build step.
 */

/** @type {import('../../types/unlearner-plugin.js').UnlearnerPlugin} */
const randomLabels = {
  apiVersion: 1,
  id: 'random-labels',
  label: 'Random labels',
  description: 'fine-tune on F with random wrong labels, then descend on R (SGD, lr 1e-2)',
  budgets: [2, 5, 10],

  async unlearn(ctx) {
    const { tf } = ctx;
    const K = ctx.models;
    const C = ctx.numClasses;
    const opt = ctx.createOptimizer({ optimizer: 'sgd', lr: 1e-2, momentum: 0.9, weightDecay: 5e-4 });
    // One stream per model, seeded from the model's seed: the same run gives the same labels.
    const rngs = ctx.rng('wrong-labels');
    for (let epoch = 0; epoch < ctx.epochs; epoch++) {
      for (const batch of ctx.batches(ctx.forget, 32, epoch, 'forget')) {
        const B = batch.size;
        const wrong = new Int32Array(K * B);
        for (let k = 0; k < K; k++) {
          for (let j = 0; j < B; j++) {
            const y = ctx.labels[batch.indices[k * B + j]];
            wrong[k * B + j] = (y + 1 + rngs[k].int(C - 1)) % C; // any class but the true one
          }
        }
        ctx.step({
          batch,
          optimizer: opt,
          phase: 'random-labels-F',
          loss: ({ logits }) => ctx.losses.crossEntropy(logits, tf.tensor2d(wrong, [K, B], 'int32')),
        });
      }
      for (const batch of ctx.batches(ctx.retain, 64, epoch, 'retain')) {
        ctx.step({ batch, optimizer: opt, phase: 'descent-R', loss: ({ logits, labels }) => ctx.losses.crossEntropy(logits, labels) });
      }
      await ctx.endEpoch();
    }
  },
};

export default randomLabels;
