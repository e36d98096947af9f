/** Messages between the engine and its training worker processes (structured clone over IPC). */
import type { DatamodelRequest } from '../attribution/datamodels';
import type { BackendName } from '../backend/select';
import type { ErrorCode } from '../errors';
import type { TrainModelsRequest, TrainModelsResult } from '../recipes/train-models';
import type { TrainProgress } from '../train/trainer';

/** One unit of work: a group of an ensemble, or a group of datamodel subset models. */
export type WorkerJob = { kind: 'models'; req: TrainModelsRequest } | { kind: 'subset-models'; req: DatamodelRequest; seeds: number[]; alpha: number };

/** What a job leaves in the store: the models' result, or the subset-model group's key. */
export type WorkerResult = { kind: 'models'; result: TrainModelsResult } | { kind: 'subset-models'; key: string };

export type ToWorker = { type: 'run'; task: number; job: WorkerJob; storeRoot: string; backend: BackendName } | { type: 'cancel' };

export type FromWorker =
  | { type: 'progress'; task: number; progress: TrainProgress }
  | { type: 'done'; task: number; result: WorkerResult }
  | { type: 'error'; task: number; code: ErrorCode | 'internal'; message: string };
