/**
 * Trains independent groups of models in worker processes, one per core, sharing the store.
 * Each group is a unit keyed by its recipe, written atomically, so workers never need each
 * other's state and a crash loses only the groups in flight.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { BackendName } from '../backend/select';
import { UnlearnError, type ErrorCode } from '../errors';
import { log } from '../log';
import type { TrainModelsRequest, TrainModelsResult } from '../recipes/train-models';
import type { TrainProgress } from '../train/trainer';
import type { FromWorker, ToWorker, WorkerJob, WorkerResult } from './messages';

/** How to start a worker: the bundled script next to us, or the TypeScript source under tsx. */
function workerEntry(): { script: string; execArgv: string[] } | undefined {
  const bundled = join(__dirname, 'worker.js');
  if (__filename.endsWith('.js') && existsSync(bundled)) return { script: bundled, execArgv: [] };
  const source = join(__dirname, 'worker.ts');
  if (__filename.endsWith('.ts') && existsSync(source)) return { script: source, execArgv: ['--import', 'tsx'] };
  return undefined;
}

/**
 * Worker processes to use: `UNLEARN_WORKERS` if set, else one per core (at most 2 here) on
 * wasm and cpu, which are single-threaded, and 1 on tensorflow, which threads by itself.
 */
export function workerCount(backend: BackendName): number {
  const env = process.env.UNLEARN_WORKERS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new UnlearnError('bad-config', `UNLEARN_WORKERS must be a positive integer, got "${env}"`);
    return n;
  }
  if (!workerEntry()) return 1;
  return backend === 'tensorflow' ? 1 : Math.max(1, Math.min(2, availableParallelism()));
}

/**
 * Progress of `tasks` groups trained side by side (or one after another), reported as one: the
 * steps of every group (finished ones whole, running ones so far), examples/s summed over the
 * running ones, the ETA from the overall rate. A group's size is known once it reports; groups
 * not yet seen count as the mean of those seen.
 */
export function combinedProgress(tasks: number, onProgress: (p: TrainProgress) => void): { report(task: number, p: TrainProgress): void; done(task: number): void } {
  const latest = new Map<number, TrainProgress>();
  const finished = new Set<number>();
  const started = performance.now();
  return {
    report(task, p) {
      latest.set(task, p);
      const known = [...latest.values()];
      const perTask = known.reduce((a, q) => a + q.totalSteps, 0) / known.length;
      let step = 0;
      let examplesPerSecond = 0;
      for (const t of finished) step += latest.get(t)?.totalSteps ?? perTask;
      for (const [t, q] of latest) {
        if (finished.has(t)) continue;
        step += q.step;
        examplesPerSecond += q.examplesPerSecond;
      }
      const totalSteps = known.reduce((a, q) => a + q.totalSteps, 0) + (tasks - latest.size) * perTask;
      const rate = step / Math.max((performance.now() - started) / 1000, 1e-9);
      onProgress({ ...p, step, totalSteps, examplesPerSecond, etaSeconds: rate > 0 ? (totalSteps - step) / rate : NaN });
    },
    done(task) {
      finished.add(task);
    },
  };
}

/**
 * Runs the `count` pending groups of one phase: side by side as worker jobs when `how.workers`
 * > 1 (each job made when dispatched), else one after another in this process; progress
 * combined over the groups; `onGroupDone(t)` after each group t.
 */
export async function runPendingGroups(
  count: number,
  how: { workers: number; backend: BackendName; storeRoot: string; signal?: AbortSignal },
  job: (t: number) => WorkerJob,
  inProcess: (t: number, onProgress: (p: TrainProgress) => void) => Promise<unknown>,
  onProgress: (p: TrainProgress) => void,
  onGroupDone: (t: number) => void,
): Promise<void> {
  const progress = combinedProgress(count, onProgress);
  const finish = (t: number) => {
    onGroupDone(t);
    progress.done(t);
  };
  if (how.workers > 1) {
    await runJobsInWorkers(
      Array.from({ length: count }, (_, t) => () => job(t)),
      { ...how, onProgress: (t, p) => progress.report(t, p), onTaskDone: finish },
    );
    return;
  }
  for (let t = 0; t < count; t++) {
    await inProcess(t, (p) => progress.report(t, p));
    finish(t);
  }
}

export interface PoolOptions {
  workers: number;
  backend: BackendName;
  storeRoot: string;
  signal?: AbortSignal;
  onProgress?: (task: number, p: TrainProgress) => void;
  onTaskDone?: (task: number) => void;
}

export async function trainGroupsInWorkers(tasks: TrainModelsRequest[], opts: PoolOptions): Promise<TrainModelsResult[]> {
  const results = await runJobsInWorkers(
    tasks.map((req) => ({ kind: 'models', req })),
    opts,
  );
  return results.map((r) => {
    if (r.kind !== 'models') throw new UnlearnError('io', 'a training worker answered a models job with another kind of result');
    return r.result;
  });
}

/**
 * Runs independent jobs, each writing its own artifact to the store, in `opts.workers` processes.
 * A job given as a function is made when it is dispatched, so its data exists only while it runs.
 */
export async function runJobsInWorkers(tasks: ReadonlyArray<WorkerJob | (() => WorkerJob)>, opts: PoolOptions): Promise<WorkerResult[]> {
  const entry = workerEntry();
  if (!entry) throw new UnlearnError('backend', 'the training worker script is missing; run `npm run build`');
  const results: WorkerResult[] = new Array<WorkerResult>(tasks.length);
  let next = 0;
  let failure: UnlearnError | undefined;
  const children: ChildProcess[] = [];
  const onAbort = () => children.forEach((c) => c.connected && c.send({ type: 'cancel' } satisfies ToWorker));
  opts.signal?.addEventListener('abort', onAbort);

  const runWorker = (): Promise<void> =>
    new Promise((resolve) => {
      const child = fork(entry.script, [], { execArgv: entry.execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      let busy: number | undefined;
      const dispatch = () => {
        if (failure || opts.signal?.aborted || next >= tasks.length) {
          busy = undefined;
          child.disconnect();
          return;
        }
        busy = next++;
        const t = tasks[busy];
        child.send({ type: 'run', task: busy, job: typeof t === 'function' ? t() : t, storeRoot: opts.storeRoot, backend: opts.backend } satisfies ToWorker);
      };
      child.on('message', (m: FromWorker) => {
        if (m.type === 'progress') opts.onProgress?.(m.task, m.progress);
        else if (m.type === 'done') {
          results[m.task] = m.result;
          opts.onTaskDone?.(m.task);
          dispatch();
        } else {
          failure ??= new UnlearnError(m.code === 'internal' ? 'io' : (m.code as ErrorCode), m.message);
          dispatch();
        }
      });
      child.on('exit', (code, signal) => {
        if (busy !== undefined && !failure) {
          failure = new UnlearnError('io', `a training worker stopped unexpectedly (${signal ?? `exit code ${code}`}) while training group ${busy + 1} of ${tasks.length}; finished groups are kept — run again to resume`);
        }
        resolve();
      });
      dispatch();
    });

  try {
    await Promise.all(Array.from({ length: Math.min(opts.workers, tasks.length) }, runWorker));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (opts.signal?.aborted) throw new UnlearnError('cancelled', 'training was cancelled');
  if (failure) throw failure;
  log.debug(`ran ${tasks.length} training jobs in ${Math.min(opts.workers, tasks.length)} worker processes`);
  return results;
}
