/** `unlearn info`: the backend this machine gets, versions, and what the store holds. */
import type { Command } from 'commander';
import { ENGINE_VERSION } from '../../version';
import { backendFor, output, storeFor } from '../context';
import { formatTable } from '../table';

export function register(program: Command): void {
  program
    .command('info')
    .description('Show the TensorFlow.js backend in use, versions, and the artifacts in the store.')
    .addHelpText('after', '\nExamples:\n  $ unlearn info\n  $ UNLEARN_BACKEND=wasm unlearn info\n  $ unlearn --store /tmp/runs --json info')
    .action(async (_o: unknown, cmd: Command) => {
      const backend = await backendFor(cmd);
      const store = storeFor(cmd);
      const kinds = store.kinds().map((k) => ({ kind: k, artifacts: store.list(k).length }));
      const info = { engineVersion: ENGINE_VERSION, node: process.version, backend, store: { root: store.root, kinds } };
      output(cmd, info, () =>
        `Unlearning Workbench engine ${ENGINE_VERSION} on Node ${process.version}\n` +
        `backend ${backend.name} (TensorFlow.js ${backend.tfjsVersion}; ${backend.reason})\n` +
        `store ${store.root}\n` +
        (kinds.length ? formatTable(['kind', 'artifacts'], kinds.map((k) => [k.kind, k.artifacts])) : '  (empty)\n'),
      );
    });
}
