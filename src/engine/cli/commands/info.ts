/** `unlearn info`: the backend this machine gets, versions, the unlearning methods (plug-ins too) and what the store holds. */
import type { Command } from 'commander';
import { listUnlearners, loadPlugins } from '../../unlearn/plugin-loader';
import { ENGINE_VERSION } from '../../version';
import { backendFor, output, storeFor } from '../context';
import { formatTable } from '../table';

export function register(program: Command): void {
  program
    .command('info')
    .description('Show the TensorFlow.js backend in use, versions, the unlearning methods, and the artifacts in the store.')
    .option('--plugin <file>', 'also list this plug-in unlearner module (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addHelpText('after', '\nExamples:\n  $ unlearn info\n  $ UNLEARN_BACKEND=wasm unlearn info\n  $ unlearn --store /tmp/runs --json info\n  $ unlearn info --plugin examples/unlearners/random-labels.mjs')
    .action(async (o: { plugin: string[] }, cmd: Command) => {
      const plugins = await loadPlugins(o.plugin);
      const backend = await backendFor(cmd);
      const store = storeFor(cmd);
      const kinds = store.kinds().map((k) => ({ kind: k, artifacts: store.list(k).length }));
      const methods = listUnlearners(plugins);
      const info = { engineVersion: ENGINE_VERSION, node: process.version, backend, methods, store: { root: store.root, kinds } };
      output(cmd, info, () =>
        `Unlearning Workbench engine ${ENGINE_VERSION} on Node ${process.version}\n` +
        `backend ${backend.name} (TensorFlow.js ${backend.tfjsVersion}; ${backend.reason})\n` +
        `unlearning methods:\n` +
        formatTable(['id', 'label', 'kind'], methods.map((m) => [m.id, m.label, m.kind === 'plugin' ? `plug-in ${m.file}` : m.kind])) +
        `store ${store.root}\n` +
        (kinds.length ? formatTable(['kind', 'artifacts'], kinds.map((k) => [k.kind, k.artifacts])) : '  (empty)\n'),
      );
    });
}
