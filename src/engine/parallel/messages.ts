/** Messages between the engine and its training worker processes (structured clone over IPC). */
import type { BackendName } from '../backend/select';
import type { ErrorCode } from '../errors';
import type { TrainModelsRequest, TrainModelsResult } from '../recipes/train-models';
import type { TrainProgress } from '../train/trainer';

export type ToWorker = { type: 'run'; task: number; req: TrainModelsRequest; storeRoot: string; backend: BackendName } | { type: 'cancel' };

export type FromWorker =
  | { type: 'progress'; task: number; progress: TrainProgress }
  | { type: 'done'; task: number; result: TrainModelsResult }
  | { type: 'error'; task: number; code: ErrorCode | 'internal'; message: string };
