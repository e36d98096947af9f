/** `unlearn train`: trains one model (or K seeds of it) and stores its margins and weights. */
import type { Command } from 'commander';
import { UnlearnError } from '../../errors';
import { trainModels } from '../../recipes/train-models';
import { backendFor, output, parseIntOption, storeFor } from '../context';
import { interruptSignal, trainingProgress } from '../progress';
import { addRecipeOptions, resolveRecipe, type RecipeOptions } from '../recipe-options';
import { formatTable, percent } from '../table';

interface TrainOptions extends RecipeOptions {
  seed: number;
  models: number;
  force?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('Train a model on a dataset (the embedded Fashion-MNIST subset by default) and store its margins and weights. Without --preset: MLP 784-256-10, SGD lr 0.05, momentum 0.9, weight decay 5e-4, batch 128, 10 epochs.');
  addRecipeOptions(cmd, { ensemble: false })
    .option('-s, --seed <n>', 'seed of the first model', parseIntOption('seed'), 0)
    .option('-k, --models <K>', 'train K models (seeds seed..seed+K-1) as one batched ensemble', parseIntOption('models'), 1)
    .option('--force', 'retrain even if this exact recipe is already in the store')
    .addHelpText(
      'after',
      `
Examples:
  $ unlearn train --model mlp --epochs 5          # embedded Fashion-MNIST subset, one MLP
  $ unlearn train --models 8 --seed 100            # 8 MLPs with seeds 100..107, trained together
  $ unlearn train --model cnn --train-size 2000 --epochs 3
  $ unlearn --backend wasm --json train --epochs 2`,
    )
    .action(async (o: TrainOptions, cmd: Command) => {
      const backend = await backendFor(cmd);
      const { dataset, model, config } = await resolveRecipe(o);
      if (!Number.isInteger(o.models) || o.models < 1) throw new UnlearnError('bad-config', '--models must be at least 1');
      const seeds = Array.from({ length: o.models }, (_, i) => o.seed + i);
      const progress = trainingProgress(`train ${model.kind} ×${seeds.length}`);
      const interrupt = interruptSignal();
      let result;
      try {
        result = await trainModels({ dataset, model, config, seeds, force: o.force }, storeFor(cmd), { signal: interrupt.signal, onProgress: (p) => progress.update(p) });
      } finally {
        progress.stop();
        interrupt.dispose();
      }
      const m = result.manifest;
      output(cmd, { ...m, dir: result.dir, cached: result.cached }, () => {
        const head =
          `${result.cached ? 'Reused stored models' : 'Trained'}: ${model.kind} on ${m.dataset.name} (${m.dataset.nTrain} train / ${m.dataset.nVal} validation points)\n` +
          `backend ${m.backend} (TensorFlow.js ${m.tfjsVersion})${backend.name !== m.backend ? ` — stored run used ${m.backend}` : ''}, ` +
          `${m.seconds.toFixed(1)} s, ${Math.round(m.examplesPerSecond)} examples/s\n\n`;
        const rows = m.seeds.map((s, k) => [s, percent(m.trainAccuracy[k]), percent(m.valAccuracy[k]), m.lossHistory[k].at(-1) ?? NaN, m.divergedAtEpoch[k] === null ? 'no' : `epoch ${m.divergedAtEpoch[k]}`]);
        return head + formatTable(['seed', 'train acc', 'val acc', 'final loss', 'diverged'], rows) + `\nstored in ${result.dir}\n  margins.npy [${m.seeds.length} × ${m.points.train + m.points.val}] (train points, then validation points)\n`;
      });
    });
}
