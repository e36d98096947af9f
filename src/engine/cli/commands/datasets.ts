/** `unlearn datasets`: what data is available without a path, and a look at any dataset. */
import type { Command } from 'commander';
import { listDatasets, loadDataset } from '../../data/registry';
import { output } from '../context';
import { formatTable } from '../table';

export function register(program: Command): void {
  program
    .command('datasets')
    .description('List the datasets found without a path (embedded subset, system Fashion-MNIST), or describe one.')
    .argument('[spec]', 'a dataset path or name to describe')
    .addHelpText('after', '\nExamples:\n  $ unlearn datasets\n  $ unlearn datasets ./data/cifar-10-batches-bin\n  $ unlearn --json datasets fashion-mnist')
    .action(async (spec: string | undefined, _o: unknown, cmd: Command) => {
      if (spec === undefined) {
        const list = await listDatasets();
        output(cmd, list, () =>
          formatTable(
            ['spec', 'train', 'val', 'input', 'classes', 'source'],
            list.map((d) => [d.spec, d.trainSize, d.valSize, d.inputShape.join('×'), d.numClasses, d.source]),
          ),
        );
        return;
      }
      const d = await loadDataset(spec, {});
      const summary = { id: d.id, name: d.name, source: d.source, format: d.format, inputShape: d.inputShape, classNames: d.classNames, train: d.train.n, validation: d.validation.n, normalisation: d.normalisation };
      output(cmd, summary, () =>
        `${d.name} (${d.format}) from ${d.source}\n  id ${d.id}\n  ${d.train.n} training and ${d.validation.n} validation points of shape [${d.inputShape.join(', ')}]\n  ${d.classNames.length} classes: ${d.classNames.join(', ')}\n`,
      );
    });
}
