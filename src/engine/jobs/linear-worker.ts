/**
 * The linear study is synchronous JavaScript that can run for minutes. On the engine's main
 * thread it would block every other request, including the `unlearn/cancel` meant to stop it,
 * so it runs in a worker thread (the engine bundle itself, re-entered), and cancelling
 * terminates the worker.
 */
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { UnlearnError, isUnlearnError, type ErrorCode } from '../errors';
import { runLinearStudy, type LinearSettings, type LinearStudyResult } from '../linear';

export const LINEAR_WORKER_TASK = 'linear-study';

type FromWorker =
  | { type: 'progress'; methodId: string; step: number; steps: number }
  | { type: 'done'; result: LinearStudyResult }
  | { type: 'error'; code: ErrorCode | 'internal'; message: string };

interface WorkerInput {
  task: typeof LINEAR_WORKER_TASK;
  settings: LinearSettings;
}

export function isLinearWorker(): boolean {
  return (workerData as Partial<WorkerInput> | null)?.task === LINEAR_WORKER_TASK;
}

/** The worker's side: run the study, post progress and the result, then end. */
export function linearWorkerMain(): void {
  const port = parentPort;
  if (!port) return;
  const { settings } = workerData as WorkerInput;
  const post = (m: FromWorker) => port.postMessage(m);
  try {
    const result = runLinearStudy(settings, { onProgress: (methodId, step, steps) => post({ type: 'progress', methodId, step, steps }) });
    post({ type: 'done', result });
  } catch (e) {
    post(isUnlearnError(e) ? { type: 'error', code: e.code, message: e.message } : { type: 'error', code: 'internal', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}

/** The engine's side. `entry` is the bundle to start the worker from (the engine's own file). */
export function runLinearStudyInWorker(
  entry: string,
  settings: LinearSettings,
  opts: { signal: AbortSignal; onProgress: (methodId: string, step: number, steps: number) => void },
): Promise<LinearStudyResult> {
  return new Promise<LinearStudyResult>((resolvePromise, reject) => {
    if (opts.signal.aborted) {
      reject(new UnlearnError('cancelled', 'linear study cancelled'));
      return;
    }
    const worker = new Worker(entry, { workerData: { task: LINEAR_WORKER_TASK, settings } satisfies WorkerInput, stdout: false, stderr: false });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = () => {
      settle(() => reject(new UnlearnError('cancelled', 'linear study cancelled')));
      void worker.terminate();
    };
    opts.signal.addEventListener('abort', onAbort);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'progress') opts.onProgress(m.methodId, m.step, m.steps);
      else if (m.type === 'done') settle(() => resolvePromise(m.result));
      else
        settle(() =>
          reject(m.code === 'internal' ? new Error(m.message) : new UnlearnError(m.code, m.message)),
        );
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the linear-study worker stopped (exit code ${code}) before it finished`))));
  });
}
