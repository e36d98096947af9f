/** `unlearn train`: trains one model (or K seeds of it) and stores its margins and weights. */
import type { Command } from 'commander';
import { loadDataset } from '../../data/registry';
import { UnlearnError } from '../../errors';
import { parseModelSpec, type ModelSpec } from '../../models';
import { trainModels } from '../../recipes/train-models';
import { parseTrainConfig } from '../../train/config';
import { backendFor, output, parseIntOption, parseNumberOption, storeFor } from '../context';
import { interruptSignal, trainingProgress } from '../progress';
import { formatTable, percent } from '../table';

interface TrainOptions {
  dataset?: string;
  trainSize?: number;
  valSize?: number;
  model: string;
  hidden?: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: string;
  momentum: number;
  weightDecay: number;
  schedule: string;
  peakEpoch?: number;
  seed: number;
  models: number;
  force?: boolean;
}

function modelSpecFrom(o: TrainOptions): ModelSpec {
  const spec: Record<string, unknown> = { kind: o.model };
  if (o.hidden !== undefined) {
    if (o.model !== 'mlp') throw new UnlearnError('bad-config', '--hidden applies to --model mlp only');
    spec.hidden = o.hidden === '' ? [] : o.hidden.split(',').map((s) => Number(s.trim()));
  }
  return parseModelSpec(spec);
}

function scheduleFrom(o: TrainOptions): unknown {
  switch (o.schedule) {
    case 'triangular':
      return { kind: 'triangular', peakEpoch: o.peakEpoch ?? Math.max(1, Math.round(o.epochs / 5)) };
    case 'step':
      return { kind: 'step', everyEpochs: Math.max(1, Math.round(o.epochs / 3)), gamma: 0.1 };
    default:
      return { kind: o.schedule };
  }
}

export function register(program: Command): void {
  program
    .command('train')
    .description('Train a model on a dataset (the embedded Fashion-MNIST subset by default) and store its margins and weights.')
    .option('-d, --dataset <spec>', 'dataset: a path, "fashion-mnist", or "embedded" (default)')
    .option('--train-size <n>', 'use the first n training points', parseIntOption('train-size'))
    .option('--val-size <n>', 'use the first n validation points', parseIntOption('val-size'))
    .option('-m, --model <kind>', 'logreg | mlp | cnn | resnet9', 'mlp')
    .option('--hidden <sizes>', 'MLP hidden layer sizes, comma-separated (default 256)')
    .option('-e, --epochs <n>', 'training epochs', parseIntOption('epochs'), 10)
    .option('-b, --batch-size <n>', 'minibatch size', parseIntOption('batch-size'), 128)
    .option('--lr <rate>', 'learning rate', parseNumberOption('lr'), 0.05)
    .option('--optimizer <name>', 'sgd | adam', 'sgd')
    .option('--momentum <m>', 'SGD momentum', parseNumberOption('momentum'), 0.9)
    .option('--weight-decay <wd>', 'L2 weight decay', parseNumberOption('weight-decay'), 5e-4)
    .option('--schedule <kind>', 'constant | step | triangular | exponential', 'constant')
    .option('--peak-epoch <e>', 'peak of the triangular schedule', parseNumberOption('peak-epoch'))
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
      const dataset = await loadDataset(o.dataset, { trainSize: o.trainSize, valSize: o.valSize });
      const model = modelSpecFrom(o);
      const config = parseTrainConfig({
        optimizer: o.optimizer,
        lr: o.lr,
        momentum: o.momentum,
        weightDecay: o.weightDecay,
        batchSize: o.batchSize,
        epochs: o.epochs,
        schedule: scheduleFrom(o),
      });
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
