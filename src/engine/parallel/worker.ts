/**
 * A training worker: a child process that trains groups of models, or unlearns groups of
 * originals, into the shared store.
 * Each wasm process is single-threaded, so one worker per core uses the machine fully.
 */
import { trainSubsetGroup } from '../attribution/datamodels';
import { initBackend } from '../backend/select';
import { isUnlearnError } from '../errors';
import { trainModels } from '../recipes/train-models';
import { Store } from '../store/store';
import type { TrainProgress } from '../train/trainer';
import { unlearnGroup } from '../unlearn/group';
import type { FromWorker, ToWorker, WorkerJob, WorkerResult } from './messages';

let current: AbortController | undefined;

function send(m: FromWorker): void {
  process.send?.(m);
}

async function run(job: WorkerJob, store: Store, opts: { signal: AbortSignal; onProgress: (p: TrainProgress) => void }): Promise<WorkerResult> {
  if (job.kind === 'models') return { kind: 'models', result: await trainModels(job.req, store, opts) };
  if (job.kind === 'subset-models') return { kind: 'subset-models', key: await trainSubsetGroup(job.req, job.seeds, job.alpha, store, opts) };
  return { kind: 'unlearn', key: await unlearnGroup(job.job, store, opts) };
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') {
    current?.abort();
    return;
  }
  const ac = new AbortController();
  current = ac;
  void (async () => {
    try {
      await initBackend(m.backend);
      const result = await run(m.job, new Store(m.storeRoot), { signal: ac.signal, onProgress: (progress) => send({ type: 'progress', task: m.task, progress }) });
      send({ type: 'done', task: m.task, result });
    } catch (e) {
      send({ type: 'error', task: m.task, code: isUnlearnError(e) ? e.code : 'internal', message: e instanceof Error ? e.message : String(e) });
    } finally {
      current = undefined;
    }
  })();
});
process.on('disconnect', () => process.exit(0));
