/** Messages between the engine and its training worker processes (structured clone over IPC). */
import type { DatamodelRequest } from '../attribution/datamodels';
import type { BackendName } from '../backend/select';
import type { ErrorCode } from '../errors';
import type { TrainModelsRequest, TrainModelsResult } from '../recipes/train-models';
import type { TrainProgress } from '../train/trainer';
import type { UnlearnGroupJob } from '../unlearn/group';

/** One unit of work: a group of an ensemble, a group of datamodel subset models, or one method on one group of originals. */
export type WorkerJob =
  | { kind: 'models'; req: TrainModelsRequest }
  | { kind: 'subset-models'; req: DatamodelRequest; seeds: number[]; alpha: number }
  | { kind: 'unlearn'; job: UnlearnGroupJob };

/** What a job leaves in the store: the models' result, or the group's key. */
export type WorkerResult = { kind: 'models'; result: TrainModelsResult } | { kind: 'subset-models'; key: string } | { kind: 'unlearn'; key: string };

export type ToWorker = { type: 'run'; task: number; job: WorkerJob; storeRoot: string; backend: BackendName } | { type: 'cancel' };

export type FromWorker =
  | { type: 'progress'; task: number; progress: TrainProgress }
  | { type: 'done'; task: number; result: WorkerResult }
  | { type: 'error'; task: number; code: ErrorCode | 'internal'; message: string };
